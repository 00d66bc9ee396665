import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from '@playwright/test';
import { makePkiTestSite } from '../../electron/engine/pki/test-fixtures.js';
import { openApp, screenshot } from './support/console.js';

const run = promisify(execFile);
const PASS = 'correct horse battery staple';
let root = '';
let dir = '';

test.beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'appliance-e2e-pki-'));
  dir = join(root, 'site');
  await makePkiTestSite(dir, { topology: 'k3s-3', passphrase: PASS });
});
test.afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

test('Certificates: create the CA, issue, days-left colours, export; no key reaches the page', async ({ page }) => {
  test.setTimeout(180_000);
  const received: string[] = [];
  page.on('websocket', (ws) => ws.on('framereceived', (f) => received.push(String(f.payload))));

  await openApp(page);
  await page.getByTestId('nav-certificates').click();
  await expect(page.getByTestId('certificates-screen')).toBeVisible();
  await page.getByTestId('pki-site-dir').fill(dir);
  await page.getByTestId('pki-open').click();
  await expect(page.getByTestId('pki-no-ca')).toBeVisible();

  // Creating the CA needs the site unlocked: the unlock dialog asks. A wrong passphrase is
  // refused with the site's own message; nothing is created.
  await page.getByTestId('pki-init').click();
  await page.getByTestId('unlock-passphrase').fill('not the passphrase');
  await page.getByTestId('unlock-submit').click();
  await expect(page.getByTestId('unlock-error')).toContainText('wrong site passphrase', { timeout: 30_000 });
  await expect(page.getByTestId('unlock-error')).toContainText('PERMISSION');

  await page.getByTestId('unlock-passphrase').fill(PASS);
  await page.getByTestId('unlock-submit').click();
  await expect(page.getByTestId('pki-ca-key')).toContainText('RSA 4096', { timeout: 120_000 });
  await expect(page.getByTestId('pki-ca-expiry')).toContainText(/36[45]\d days left/);
  await expect(page.getByTestId('pki-constraints')).toContainText('hospital-erp.local and *.hospital-erp.local');
  await expect(page.getByTestId('pki-constraints')).toContainText('192.168.20.0/24');
  await expect(page.getByTestId('pki-ca-kdf')).toContainText('600,000 iterations');

  await page.getByTestId('pki-issue').click();
  await expect(page.getByTestId('pki-issue-result')).toContainText('issued web, postgresql, redis, grafana, k3s-api', { timeout: 120_000 });
  await expect(page.getByTestId('pki-certificates').locator('tbody tr')).toHaveCount(5);
  await expect(page.getByTestId('pki-cert-web')).toContainText('api.hospital-erp.local');
  await expect(page.getByTestId('pki-cert-web')).toContainText('192.168.1.10');
  await expect(page.getByTestId('pki-cert-postgresql')).toContainText('db1 (planned), db2 (planned)');
  await expect(page.getByTestId('pki-days-web')).toHaveText('396');
  await expect(page.getByTestId('pki-days-web')).toHaveClass(/ok/);

  // A certificate that expires soon: signed by the same CA with openssl (which reads the
  // encrypted ca.key) for 12 days, in place of redis's. The screen must colour it.
  const redis = join(dir, 'pki', 'issued', 'redis');
  const passFile = join(root, 'pass');
  await writeFile(passFile, PASS);
  await run('openssl', ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(redis, 'key.pem'), '-subj', '/CN=redis.hospital-erp.local', '-out', join(root, 'redis.csr')]);
  await writeFile(join(root, 'redis.ext'), 'subjectAltName=DNS:redis.hospital-erp.local,IP:192.168.20.10\nextendedKeyUsage=serverAuth\n');
  await run('openssl', ['x509', '-req', '-in', join(root, 'redis.csr'), '-CA', join(dir, 'pki', 'ca.pem'), '-CAkey', join(dir, 'pki', 'ca.key'), '-passin', `file:${passFile}`, '-set_serial', '0x1234', '-days', '12', '-sha256', '-extfile', join(root, 'redis.ext'), '-out', join(redis, 'cert.pem')]);
  await page.getByTestId('pki-open').click();
  await expect(page.getByTestId('pki-days-redis')).toHaveText(/^1[12]$/);
  await expect(page.getByTestId('pki-days-redis')).toHaveClass(/urgent/);

  const out = join(root, 'export');
  await page.getByTestId('pki-out-dir').fill(out);
  await page.getByTestId('pki-export').click();
  await expect(page.getByTestId('pki-export-result')).toContainText('README.txt');
  expect((await readdir(out)).sort()).toEqual(['README.txt', 'st-example-hospital-root-ca.cer', 'st-example-hospital-root-ca.crt', 'st-example-hospital-root-ca.pem']);

  await page.getByTestId('pki-certificates').scrollIntoViewIfNeeded();
  await screenshot(page, 'certificates');

  // Nothing the engine sent to the page holds a private key or the passphrase.
  const all = received.join('\n');
  expect(all.length).toBeGreaterThan(1000);
  expect(all).not.toContain('PRIVATE KEY');
  expect(all).not.toContain(PASS);
});
