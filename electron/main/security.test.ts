import { describe, expect, it } from 'vitest';
import { RecordingApp, RecordingSession } from '../../test/doubles/electron-web-contents.js';
import { APP_ORIGIN, originOf } from './app-origin.js';
import { decideWindowOpen, EXTERNAL_ALLOWLIST, installSecurity, isAllowedNavigation, refuseDownloads, shouldOpenExternal } from './security.js';

describe('originOf', () => {
  it('rebuilds the origin of the app scheme (Node says "null" for custom schemes)', () => {
    expect(new URL('app://appliance/x').origin).toBe('null');
    expect(originOf('app://appliance/index.html')).toBe('app://appliance');
    expect(originOf('APP://Appliance/#/steps')).toBe('app://appliance');
  });
  it('has no origin for schemes we never trust, or credentials', () => {
    for (const u of ['file:///etc/passwd', 'data:text/html,<p>', 'javascript:alert(1)', 'blob:app://appliance/1', 'about:blank', 'not a url', '', 'app://appliance@evil/', 'https://u:p@docs.example/']) {
      expect(originOf(u), u).toBeNull();
    }
  });
});

describe('isAllowedNavigation', () => {
  it('allows the app origin, whatever the path, hash or case', () => {
    for (const u of ['app://appliance/', 'app://appliance/index.html', 'app://appliance/#/network', 'app://appliance/x?y=1', 'APP://APPLIANCE/', 'app://Appliance']) {
      expect(isAllowedNavigation(u), u).toBe(true);
    }
  });
  it('denies look-alikes that a startsWith check would let through', () => {
    for (const u of [
      'app://appliance.evil/',
      'app://appliance.evil.com/index.html',
      'app://appliance@evil/',
      'app://appliance:x@evil/',
      'app://evil@appliance/',
      'app://appliance\\@evil/',
      'app://appliance./',
      'app://appliance:8080/',
      'app://appliance%2eevil/',
      'app:appliance',
      'app:///appliance',
      'apps://appliance/',
    ]) {
      expect(isAllowedNavigation(u), u).toBe(false);
    }
  });
  it('denies other schemes and hosts', () => {
    for (const u of [
      'javascript:alert(1)',
      'JavaScript:location="app://appliance"',
      'file:///work/main/dist/renderer/index.html',
      'data:text/html;base64,PHNjcmlwdD4=',
      'blob:app://appliance/0b5c',
      'about:blank',
      'https://appliance/',
      'http://127.0.0.1:5173/',
      'chrome://settings',
      'devtools://devtools/bundled/inspector.html',
      '',
      '   ',
      'app://',
    ]) {
      expect(isAllowedNavigation(u), u).toBe(false);
    }
  });
  it('compares against the given app origin, not a fixed string', () => {
    expect(isAllowedNavigation('app://other/', 'app://other')).toBe(true);
    expect(isAllowedNavigation('app://appliance/', 'app://other')).toBe(false);
  });
});

describe('shouldOpenExternal', () => {
  const docs = EXTERNAL_ALLOWLIST[0]!;
  it('opens https links of an allowlisted origin only', () => {
    expect(shouldOpenExternal(`${docs}/install/k3s`)).toBe(true);
    expect(shouldOpenExternal(`${docs.toUpperCase().replace('HTTPS', 'https')}/x`)).toBe(true);
    expect(shouldOpenExternal(`${docs}:443/x`)).toBe(true); // default port is the same origin
  });
  it('never opens anything else', () => {
    const host = new URL(docs).host;
    for (const u of [
      `http://${host}/`,
      `https://${host}.evil.com/`,
      `https://${host}./`,
      `https://${host}:8443/`,
      `https://user@${host}/`,
      `https://${host}@evil.com/`,
      `https://evil.com/?${host}`,
      'file:///etc/passwd',
      'javascript:alert(1)',
      'data:text/html,x',
      'app://appliance/',
      'smb://server/share',
      'mailto:support@example.com',
      'ms-msdt:/id PCWDiagnostic',
      'not a url',
    ]) {
      expect(shouldOpenExternal(u), u).toBe(false);
    }
  });
  it('an empty allowlist opens nothing', () => {
    expect(shouldOpenExternal(`${docs}/`, [])).toBe(false);
  });
  it('window.open is always denied as a window; allowlisted links go to the OS browser', () => {
    expect(decideWindowOpen(`${docs}/a`)).toEqual({ action: 'deny', openExternal: true });
    expect(decideWindowOpen('app://appliance/index.html')).toEqual({ action: 'deny', openExternal: false });
    expect(decideWindowOpen('https://evil.com/')).toEqual({ action: 'deny', openExternal: false });
  });
});

describe('installSecurity', () => {
  function setup() {
    const app = new RecordingApp();
    const opened: string[] = [];
    const logs: string[] = [];
    installSecurity(app, { appOrigin: APP_ORIGIN, openExternal: (u) => void opened.push(u), log: (l) => logs.push(l) });
    return { app, opened, logs };
  }

  it('applies to every web contents created, not just the first window', () => {
    const { app } = setup();
    const a = app.createWebContents();
    const b = app.createWebContents();
    for (const c of [a, b]) {
      expect(c.fire('will-navigate', 'https://evil.com/')).toBe(true);
      expect(c.windowOpenHandler).toBeDefined();
      expect(c.session.checkHandler).toBeDefined();
    }
  });

  it('blocks navigation, frame navigation and redirects away from the app origin, allows within it', () => {
    const { app, logs } = setup();
    const c = app.createWebContents();
    for (const ev of ['will-navigate', 'will-frame-navigate', 'will-redirect'] as const) {
      expect(c.fire(ev, 'app://appliance/index.html#/site'), ev).toBe(false);
      expect(c.fire(ev, 'app://appliance.evil/'), ev).toBe(true);
      expect(c.fire(ev, 'file:///etc/shadow'), ev).toBe(true);
    }
    expect(logs.some((l) => l.includes('blocked navigation to app://appliance.evil/'))).toBe(true);
  });

  it('a plain link to the allowlisted docs opens in the OS browser, still never inside the app', () => {
    const { app, opened } = setup();
    const c = app.createWebContents();
    const docs = `${EXTERNAL_ALLOWLIST[0]}/network`;
    expect(c.fire('will-navigate', docs)).toBe(true);
    expect(c.fire('will-navigate', 'https://evil.com/')).toBe(true);
    expect(c.fire('will-redirect', docs)).toBe(true); // a redirect is not a click: never opened
    expect(opened).toEqual([docs]);
  });

  it('prevents every <webview>', () => {
    const c = setup().app.createWebContents();
    expect(c.fire('will-attach-webview')).toBe(true);
  });

  it('denies new windows and hands only allowlisted links to the OS browser', () => {
    const { app, opened } = setup();
    const c = app.createWebContents();
    const docs = `${EXTERNAL_ALLOWLIST[0]}/guide`;
    expect(c.windowOpenHandler!({ url: docs })).toEqual({ action: 'deny' });
    expect(c.windowOpenHandler!({ url: 'https://evil.com/' })).toEqual({ action: 'deny' });
    expect(c.windowOpenHandler!({ url: 'app://appliance/' })).toEqual({ action: 'deny' });
    expect(opened).toEqual([docs]);
  });

  it('denies every permission request, check and device request', () => {
    const c = setup().app.createWebContents();
    for (const p of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'hid', 'unknown']) {
      let granted: boolean | undefined;
      c.session.requestHandler!(c, p, (g) => (granted = g));
      expect(granted, p).toBe(false);
      expect(c.session.checkHandler!(c, p), p).toBe(false);
    }
    expect(c.session.deviceHandler!()).toBe(false);
  });

  it('cancels every download a page starts (the app never downloads), and says so in the log', () => {
    const { app, logs } = setup();
    const c = app.createWebContents();
    for (const url of ['app://appliance/site.yaml', 'blob:app://appliance/5f1c', 'https://evil.com/payload.exe', 'data:application/octet-stream,x']) {
      expect(c.session.fireDownload(url), url).toEqual({ prevented: true, cancelled: true });
    }
    expect(logs.some((l) => l.includes('refused a download of https://evil.com/payload.exe'))).toBe(true);
  });

  it('web contents sharing one session add one download listener, not one each', () => {
    const shared = new RecordingSession();
    for (let i = 0; i < 3; i++) refuseDownloads(shared);
    expect(shared.downloadListeners).toHaveLength(1);
    expect(shared.fireDownload('app://appliance/x').prevented).toBe(true);
  });
});
