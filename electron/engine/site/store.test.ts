import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApplianceError } from '../errors.js';
import { initSite, loadSite, updateSite } from './store.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'site-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const GOOD = `# St. Example site
schemaVersion: 1
name: St. Example
topology: k3s-3
domain: hospital-erp.local
hosts:
  # the first server
  - name: node1
    address: 10.99.1.11
    port: 22
    user: engineer
    role: server
    auth: key
    keyPath: /keys/id_ed25519 # kept on the USB stick
  - name: node2
    address: 10.99.1.12
    port: twenty-two
    user: engineer
    auth: password
pki:
  note: kept by another capability
`;

async function loadError(text: string): Promise<ApplianceError> {
  await writeFile(join(dir, 'site.yaml'), text);
  try {
    await loadSite(dir);
  } catch (e) {
    return e as ApplianceError;
  }
  throw new Error('expected loadSite to fail');
}

describe('site.yaml validation', () => {
  it('names the line and field of a wrong value', async () => {
    const e = await loadError(GOOD);
    expect(e.code).toBe('VALIDATION');
    expect(e.message).toBe('site.yaml line 17: hosts[1].port: expected a number 1-65535, got "twenty-two"');
  });

  it('names the line of a bad enum and of a missing field', async () => {
    const e = await loadError(GOOD.replace('port: twenty-two', 'port: 22').replace('topology: k3s-3', 'topology: k8s'));
    expect(e.message).toMatch(/^site\.yaml line 4: topology: expected single or k3s-3, got "k8s"$/);
    const e2 = await loadError(GOOD.replace('port: twenty-two', 'port: 22').replace('    user: engineer\n    auth: password', '    auth: password'));
    expect(e2.message).toMatch(/^site\.yaml line 15: hosts\[1\]\.user: expected a login user name/);
  });

  it('rejects unknown host fields, duplicate names and key auth without keyPath, with lines', async () => {
    const e = await loadError(GOOD.replace('port: twenty-two', 'prot: 22'));
    expect(e.message).toMatch(/^site\.yaml line 15: hosts\[1\]: Unrecognized key: "prot"/);
    const dup = await loadError(GOOD.replace('port: twenty-two', 'port: 22').replace('name: node2', 'name: node1'));
    expect(dup.message).toMatch(/^site\.yaml line 15: hosts\[1\]\.name: duplicate host name "node1" \(also hosts\[0\]\)/);
    const nokey = await loadError(GOOD.replace('port: twenty-two', 'port: 22').replace('    keyPath: /keys/id_ed25519 # kept on the USB stick\n', ''));
    expect(nokey.message).toMatch(/^site\.yaml line 8: hosts\[0\]\.keyPath: auth is "key" but no keyPath is given/);
  });

  it('reports YAML syntax errors with a line', async () => {
    const e = await loadError('schemaVersion: 1\nname: x\nhosts:\n  - name: a\n   address: [\n');
    expect(e.code).toBe('VALIDATION');
    expect(e.message).toMatch(/^site\.yaml line \d+: not valid YAML/);
  });

  it('says NOT_FOUND for a folder without site.yaml', async () => {
    await expect(loadSite(join(dir, 'nope'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('updateSite', () => {
  it('changes only what changed and keeps comments and unknown sections', async () => {
    await writeFile(join(dir, 'site.yaml'), GOOD.replace('port: twenty-two', 'port: 2222'));
    await updateSite(dir, (c) => {
      c.hosts[0]!.hostKey = 'SHA256:' + 'A'.repeat(43);
      c.hosts.push({ name: 'node3', address: '10.99.1.13', port: 22, user: 'engineer', role: 'server', auth: 'agent' });
    });
    const text = await readFile(join(dir, 'site.yaml'), 'utf8');
    expect(text).toContain('# St. Example site');
    expect(text).toContain('# the first server');
    expect(text).toContain('keyPath: /keys/id_ed25519 # kept on the USB stick');
    expect(text).toContain('note: kept by another capability');
    const site = await loadSite(dir);
    expect(site.config.hosts.map((h) => h.name)).toEqual(['node1', 'node2', 'node3']);
    expect(site.config.hosts[0]!.hostKey).toBe('SHA256:' + 'A'.repeat(43));
    expect(site.config.hosts[1]!.port).toBe(2222);
    expect((site.config as Record<string, unknown>).pki).toEqual({ note: 'kept by another capability' });
  });

  it('refuses an invalid change and leaves the file as it was', async () => {
    await writeFile(join(dir, 'site.yaml'), GOOD.replace('port: twenty-two', 'port: 22'));
    const before = await readFile(join(dir, 'site.yaml'), 'utf8');
    await expect(updateSite(dir, (c) => void (c.hosts[1]!.port = 70000))).rejects.toThrow(/hosts\[1\]\.port: expected a number 1-65535, got 70000/);
    expect(await readFile(join(dir, 'site.yaml'), 'utf8')).toBe(before);
  });

  it('serialises concurrent updates so none is lost', async () => {
    await initSite(dir, { name: 'Concurrent', topology: 'k3s-3' });
    await Promise.all(
      [1, 2, 3, 4, 5].map((i) => updateSite(dir, (c) => void c.hosts.push({ name: `n${i}`, address: `10.0.0.${i}`, port: 22, user: 'root', role: 'server', auth: 'agent' }))),
    );
    expect((await loadSite(dir)).config.hosts.map((h) => h.name).sort()).toEqual(['n1', 'n2', 'n3', 'n4', 'n5']);
  });
});

describe('initSite', () => {
  it('creates the folder layout and refuses to overwrite', async () => {
    const site = await initSite(join(dir, 's'), { name: 'Klinikum', topology: 'single' });
    expect(site.config).toMatchObject({ schemaVersion: 1, name: 'Klinikum', topology: 'single', domain: 'hospital-erp.local', hosts: [] });
    const { readdir } = await import('node:fs/promises');
    expect((await readdir(join(dir, 's'))).sort()).toEqual(['audit.ndjson', 'checks', 'diagnostics', 'journal.ndjson', 'pki', 'reports', 'site.yaml']);
    await expect(initSite(join(dir, 's'), { name: 'Again', topology: 'single' })).rejects.toMatchObject({ code: 'CONFLICT' });
  });
});
