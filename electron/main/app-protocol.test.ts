import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { APP_CSP, serveAppRequest } from './app-protocol.js';

const base = mkdtempSync(join(tmpdir(), 'app-protocol-'));
const root = join(base, 'renderer');
mkdirSync(join(root, 'assets'), { recursive: true });
writeFileSync(join(root, 'index.html'), '<!doctype html><title>app</title>');
writeFileSync(join(root, 'assets', 'main.js'), 'console.log(1)');
writeFileSync(join(base, 'secret.txt'), 'outside');
afterAll(() => rmSync(base, { recursive: true, force: true }));

const get = (url: string, method = 'GET') => serveAppRequest({ url, method }, root);

describe('serveAppRequest', () => {
  it('serves the built renderer with the CSP and a content type', async () => {
    const r = await get('app://appliance/assets/main.js');
    expect(r.status).toBe(200);
    expect(String(r.body)).toBe('console.log(1)');
    expect(r.headers['Content-Type']).toBe('text/javascript; charset=utf-8');
    expect(r.headers['Content-Security-Policy']).toBe(APP_CSP);
    expect(r.headers['X-Content-Type-Options']).toBe('nosniff');
    // corsEnabled is on for module scripts; without this header no other origin can read us.
    expect(Object.keys(r.headers).map((h) => h.toLowerCase())).not.toContain('access-control-allow-origin');
  });

  it('falls back to index.html for app routes without an extension', async () => {
    const r = await get('app://appliance/network/segments');
    expect(r.status).toBe(200);
    expect(String(r.body)).toContain('<title>app</title>');
    expect(r.headers['Content-Type']).toMatch(/^text\/html/);
  });

  it('never leaves the renderer directory', async () => {
    for (const u of [
      'app://appliance/../secret.txt',
      'app://appliance/%2e%2e/secret.txt',
      'app://appliance/%2e%2e%2fsecret.txt',
      'app://appliance/assets/..%2f..%2fsecret.txt',
      'app://appliance/..%5csecret.txt',
      'app://appliance/%00.js',
      'app://appliance/%E0%A4%A.js',
    ]) {
      const r = await get(u);
      expect(String(r.body), u).not.toContain('outside');
      expect(r.status === 404 || String(r.body).includes('<title>app</title>'), u).toBe(true);
    }
  });

  it('answers only the app origin, and only GET/HEAD', async () => {
    expect((await get('app://appliance.evil/index.html')).status).toBe(404);
    expect((await get('app://other/index.html')).status).toBe(404);
    expect((await get('app://appliance/index.html', 'POST')).status).toBe(405);
    const head = await get('app://appliance/index.html', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });

  it('a missing asset with an extension is a 404, not index.html', async () => {
    expect((await get('app://appliance/assets/nope.js')).status).toBe(404);
  });

  it('the policy allows no inline code, no eval and no network', () => {
    expect(APP_CSP).not.toMatch(/unsafe-inline|unsafe-eval|\*|https?:|ws:/);
    expect(APP_CSP).toMatch(/default-src 'self'/);
    expect(APP_CSP).toMatch(/object-src 'none'/);
  });
});
