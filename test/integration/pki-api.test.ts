import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDispatcher } from '../../electron/api/dispatch.js';
import type { ApplianceEvent } from '../../electron/engine/events/index.js';
import { issuedPaths } from '../../electron/engine/pki/index.js';
import { makePkiTestSite } from '../../electron/engine/pki/test-fixtures.js';

/**
 * The pki calls through the real dispatcher (what the Electron and console hosts run): the
 * CA is created and certificates issued, and nothing that crosses to the renderer (results,
 * errors, events) holds a private key or the passphrase.
 */
const PASS = 'correct horse battery staple';
let root: string;
let dir: string;
const events: ApplianceEvent[] = [];
const d = createDispatcher({ host: 'console', paths: { resourcesDir: '/nonexistent', dataDir: '/nonexistent' } });
let n = 0;
const callApi = (method: string, input: unknown) => d.dispatch(method, { task: `t${++n}`, input }, (e) => events.push(e));

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pki-api-'));
  dir = join(root, 'site');
  await makePkiTestSite(dir, { topology: 'k3s-3', passphrase: PASS });
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('pki calls', () => {
  it('a locked site cannot create the CA (PERMISSION), and a wrong passphrase is refused', async () => {
    const saved = process.env.APPLIANCE_PASSPHRASE;
    delete process.env.APPLIANCE_PASSPHRASE;
    try {
      const locked = await callApi('pki.init', { dir, algorithm: 'ecdsa-p256' });
      expect(locked.ok === false && locked.error.code).toBe('PERMISSION');
      const wrong = await callApi('pki.init', { dir, algorithm: 'ecdsa-p256', passphrase: 'wrong passphrase' });
      expect(wrong.ok === false && wrong.error.code).toBe('PERMISSION');
      expect(JSON.stringify(wrong)).not.toContain('wrong passphrase');
    } finally {
      if (saved !== undefined) process.env.APPLIANCE_PASSPHRASE = saved;
    }
  });

  it('init, issue, status, list and exportCa return public facts only', async () => {
    const init = await callApi('pki.init', { dir, algorithm: 'ecdsa-p256', passphrase: PASS });
    expect(init.ok, JSON.stringify(init)).toBe(true);
    const issue = await callApi('pki.issue', { dir, passphrase: PASS });
    expect(issue.ok && issue.value).toMatchObject({ results: expect.arrayContaining([expect.objectContaining({ name: 'web', action: 'issued' })]) });
    const status = await callApi('pki.status', { dir });
    expect(status.ok && status.value).toMatchObject({ site: 'St Example Hospital', ca: { present: true, algorithm: 'ecdsa-p256' }, clearKeyFiles: [] });
    const list = await callApi('pki.list', { dir });
    expect(list.ok && (list.value as { certificates: unknown[] }).certificates).toHaveLength(5);
    const exp = await callApi('pki.exportCa', { dir, out: join(root, 'out') });
    expect(exp.ok).toBe(true);
    const everything = JSON.stringify([init, issue, status, list, exp, events]);
    const webKey = (await readFile(issuedPaths(join(dir, 'pki'), 'web').key, 'utf8')).split('\n')[1]!;
    expect(everything).not.toMatch(/PRIVATE KEY/);
    expect(everything).not.toContain(webKey);
    expect(everything).not.toContain(PASS);
    expect(events.some((e) => e.type === 'step' && e.step === 'web' && e.state === 'done')).toBe(true);
  });

  it('refuses a name outside the constraints with a VALIDATION error', async () => {
    const r = await callApi('pki.issue', { dir, passphrase: PASS, extraNames: ['intranet.example.org'] });
    expect(r.ok === false && r.error.code).toBe('VALIDATION');
    expect(r.ok === false && r.error.message).toContain('DNS:intranet.example.org');
  });
});
