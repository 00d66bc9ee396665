import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it } from 'vitest';
import { appMenuTemplate } from './menu.js';

const roles = (items: MenuItemConstructorOptions[]): string[] =>
  items.flatMap((i) => [...(i.role ? [String(i.role)] : []), ...(Array.isArray(i.submenu) ? roles(i.submenu) : [])]);

describe('appMenuTemplate', () => {
  it('offers quit and the edit roles on every platform', () => {
    for (const p of ['linux', 'win32', 'darwin'] as const) {
      const r = roles(appMenuTemplate(p, { development: false }));
      for (const role of ['quit', 'copy', 'paste', 'selectAll']) expect(r, `${p} ${role}`).toContain(role);
    }
  });
  it('has reload and devtools only in development', () => {
    expect(roles(appMenuTemplate('linux', { development: false }))).not.toContain('toggleDevTools');
    expect(roles(appMenuTemplate('linux', { development: false }))).not.toContain('reload');
    expect(roles(appMenuTemplate('linux', { development: true }))).toContain('toggleDevTools');
  });
  it('has no item that opens a URL', () => {
    const all = JSON.stringify(appMenuTemplate('darwin', { development: true }));
    expect(all).not.toMatch(/https?:|openExternal|click/);
  });
});
