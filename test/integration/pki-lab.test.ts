import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { exportSiteCa, initSiteCa, issuedPaths, issueSiteCertificates, readServerKeyPem } from '../../electron/engine/pki/index.js';
import { makePkiTestSite } from '../../electron/engine/pki/test-fixtures.js';
import { describeWithLab, nodeExec, testLab } from './support/lab.js';

/**
 * Between two lab nodes: node1 serves TLS with the issued web certificate, node2 trusts the
 * exported root the way README.txt tells Debian admins (update-ca-certificates) and connects
 * over the lab network with the system trust store, no -CAfile.
 */
const PASS = 'correct horse battery staple';
let root = '';
let site = '';

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pki-lab-'));
  site = join(root, 'site');
  await makePkiTestSite(site, { topology: 'single', passphrase: PASS });
  await initSiteCa(site, { passphrase: PASS, algorithm: 'ecdsa-p256', iterations: 1000 });
  await issueSiteCertificates(site, { passphrase: PASS });
});
afterAll(() => (root ? rm(root, { recursive: true, force: true }) : undefined));

describeWithLab('site CA across lab nodes', () => {
  it('node2 trusts the exported root via update-ca-certificates and verifies node1\'s web certificate', async () => {
    const lab = await testLab();
    const [server, client] = [lab.nodes[0]!, lab.nodes[1]!];
    const web = issuedPaths(join(site, 'pki'), 'web');
    const exp = await exportSiteCa(site, join(root, 'export'));
    const crtName = exp.files.crt.split('/').pop()!;
    const dirOnNode = '/tmp/pki-lab-test';
    await nodeExec(server, ['mkdir', '-p', dirOnNode]);
    await nodeExec(server, ['sh', '-c', `cat > ${dirOnNode}/fullchain.pem`], { input: await readFile(web.fullchain) });
    // As the install engine does: the key is decrypted in memory and only the node gets it in clear.
    await nodeExec(server, ['sh', '-c', `umask 077; cat > ${dirOnNode}/key.pem`], { input: await readServerKeyPem(site, 'web', PASS) });
    const started = await nodeExec(server, ['sh', '-c', `openssl s_server -accept ${server.address}:8443 -cert ${dirOnNode}/fullchain.pem -key ${dirOnNode}/key.pem -www >${dirOnNode}/server.log 2>&1 & echo $!`]);
    const pid = started.stdout.trim();
    expect(pid).toMatch(/^\d+$/);
    try {
      await nodeExec(client, ['sh', '-c', `cat > /usr/local/share/ca-certificates/${crtName}`], { input: await readFile(exp.files.crt) });
      const upd = await nodeExec(client, ['update-ca-certificates']);
      expect(upd.stdout).toMatch(/1 added/);
      let ok = { stdout: '', stderr: '', exitCode: -1 };
      for (let i = 0; i < 50 && ok.exitCode !== 0; i++) {
        ok = await nodeExec(client, ['sh', '-c', `echo Q | openssl s_client -connect ${server.address}:8443 -servername api.hospital-erp.local -verify_return_error -verify_hostname api.hospital-erp.local 2>&1`], { reject: false });
        if (ok.exitCode !== 0) await new Promise((r) => setTimeout(r, 200));
      }
      expect(ok.exitCode, ok.stdout).toBe(0);
      expect(ok.stdout).toContain('Verify return code: 0 (ok)');
      const bad = await nodeExec(client, ['sh', '-c', `echo Q | openssl s_client -connect ${server.address}:8443 -servername www.example.org -verify_return_error -verify_hostname www.example.org 2>&1`], { reject: false });
      expect(bad.exitCode).not.toBe(0);
      expect(bad.stdout).toMatch(/hostname mismatch/);
    } finally {
      await nodeExec(server, ['kill', pid], { reject: false });
      await nodeExec(server, ['rm', '-rf', dirOnNode], { reject: false });
      await nodeExec(client, ['rm', '-f', `/usr/local/share/ca-certificates/${crtName}`], { reject: false });
      await nodeExec(client, ['update-ca-certificates', '--fresh'], { reject: false });
    }
  });
});
