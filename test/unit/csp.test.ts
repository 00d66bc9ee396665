import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { contentSecurityPolicy } from '../../electron/console/server.js';
import { APP_CSP } from '../../electron/main/app-protocol.js';

/*
 * The CSP of the BUILT renderer (dist/renderer/index.html), which is what Electron and the
 * console actually serve. Builds it first when it is missing.
 */
const root = join(import.meta.dirname, '..', '..');
const built = join(root, 'dist', 'renderer', 'index.html');
let html = '';

beforeAll(async () => {
  if (!existsSync(built)) {
    const config = join(root, 'renderer', 'vite.config.ts');
    for (let i = 0; i < 60 && !existsSync(config); i++) await new Promise((r) => setTimeout(r, 1000));
    execFileSync(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'build', '--config', config], { cwd: root, stdio: 'pipe' });
  }
  html = readFileSync(built, 'utf8');
}, 180_000);

/** `name value...; name value...` -> Map(name -> [values]) */
function parsePolicy(policy: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const part of policy.split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) out.set(name.toLowerCase(), values);
  }
  return out;
}

const tags = (name: string) => [...html.matchAll(new RegExp(`<${name}\\b([^>]*)>`, 'gi'))].map((m) => ({ attrs: m[1] ?? '', index: m.index ?? 0 }));
const attr = (attrs: string, name: string) => new RegExp(`\\b${name}\\s*=\\s*("([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(attrs)?.slice(2).find((v) => v !== undefined);

function metaPolicy(): { policy: string; index: number }[] {
  return tags('meta')
    .filter((t) => (attr(t.attrs, 'http-equiv') ?? '').toLowerCase() === 'content-security-policy')
    .map((t) => ({ policy: attr(t.attrs, 'content') ?? '', index: t.index }));
}

describe('CSP of the built renderer', () => {
  it('has exactly one CSP meta tag, before any script or stylesheet (a meta CSP only covers what follows it)', () => {
    const metas = metaPolicy();
    expect(metas).toHaveLength(1);
    const first = Math.min(...[...tags('script'), ...tags('link')].map((t) => t.index), Infinity);
    expect(metas[0]!.index).toBeLessThan(first);
  });

  it("allows no inline code or eval, default-src 'self', object-src 'none'", () => {
    const policy = metaPolicy()[0]!.policy;
    expect(policy).not.toMatch(/unsafe-inline|unsafe-eval|unsafe-hashes|strict-dynamic/i);
    const p = parsePolicy(policy);
    expect(p.get('default-src')).toEqual(["'self'"]);
    expect(p.get('object-src')).toEqual(["'none'"]);
    expect(p.get('script-src') ?? ["'self'"]).toEqual(["'self'"]);
    expect(p.get('base-uri')).toEqual(["'none'"]);
    for (const [name, values] of p) {
      for (const v of values) expect(['*', 'http:', 'https:', 'data:', 'blob:', 'filesystem:'].includes(v) && name !== 'img-src', `${name} ${v}`).toBe(false);
    }
  });

  it('has no inline <script> without src, no <style>, no inline event handlers or javascript: URLs', () => {
    const scripts = tags('script');
    expect(scripts.length).toBeGreaterThan(0);
    for (const s of scripts) expect(attr(s.attrs, 'src'), s.attrs).toBeTruthy();
    expect(tags('style')).toEqual([]);
    expect(html).not.toMatch(/\son[a-z]+\s*=/i);
    expect(html).not.toMatch(/javascript:/i);
    expect(html).not.toMatch(/\sstyle\s*=/i);
  });

  it('loads scripts and styles only from its own origin, by relative URL (works under app:// and http://127.0.0.1)', () => {
    const urls = [...tags('script').map((t) => attr(t.attrs, 'src')), ...tags('link').map((t) => attr(t.attrs, 'href'))].filter(Boolean) as string[];
    for (const u of urls) {
      expect(u, u).not.toMatch(/^[a-z][a-z0-9+.-]*:|^\/\//i);
      expect(existsSync(join(root, 'dist', 'renderer', u)), u).toBe(true);
    }
  });

  it("the Electron header and the console header agree with the meta tag on everything but the console's WebSocket", () => {
    const meta = parsePolicy(metaPolicy()[0]!.policy);
    for (const header of [parsePolicy(APP_CSP), parsePolicy(contentSecurityPolicy(4242))]) {
      for (const [name, values] of meta) {
        if (name === 'connect-src') continue;
        expect(header.get(name), name).toEqual(values);
      }
      expect(header.get('connect-src')?.[0]).toBe("'self'");
    }
    // Electron needs no socket at all: the bridge is IPC.
    expect(parsePolicy(APP_CSP).get('connect-src')).toEqual(["'self'"]);
  });
});
