import { describe, expect, it } from 'vitest';
import { forbiddenDebugSwitches } from './debug-switches.js';

const none = () => false;

describe('forbiddenDebugSwitches', () => {
  it('finds Chromium remote debugging and Node inspector switches in any spelling Chromium accepts', () => {
    expect(forbiddenDebugSwitches(['/opt/app/airgap-appliance', '--remote-debugging-port=9222'], none)).toEqual(['remote-debugging-port']);
    expect(forbiddenDebugSwitches(['app', '--remote-debugging-pipe'], none)).toEqual(['remote-debugging-pipe']);
    expect(forbiddenDebugSwitches(['app', '-remote-debugging-port=0'], none)).toEqual(['remote-debugging-port']);
    expect(forbiddenDebugSwitches(['app.exe', '/Remote-Debugging-Port=9222'], none)).toEqual(['remote-debugging-port']);
    expect(forbiddenDebugSwitches(['app', '--inspect', '--inspect-brk=9229', '--inspect-port=1'], none)).toEqual(['inspect', 'inspect-brk', 'inspect-port']);
  });

  it('also asks Electron\'s own command line', () => {
    expect(forbiddenDebugSwitches(['app'], (s) => s === 'remote-debugging-pipe')).toEqual(['remote-debugging-pipe']);
  });

  it('leaves ordinary arguments alone, and never looks at the executable path', () => {
    expect(forbiddenDebugSwitches(['/opt/--inspect/app', '--lang=en-US', 'site-folder', '--inspector-theme'], none)).toEqual([]);
  });
});
