import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { makePkiTestSite } from '../../electron/engine/pki/test-fixtures.js';
import { updateSite } from '../../electron/engine/site/index.js';
import { openApp, screenshot } from './support/console.js';

// Unlock a site once per window: the passphrase is typed once, two actions on two screens need
// it without asking again, "Lock now" makes the next one ask. No lab needed: the one host is
// 127.0.0.1:1, which refuses the connection (the probe reports that; it never asks to unlock).
const PASS = 'e2e unlock-once passphrase';
let root = '';
let dir = '';

test.beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'appliance-e2e-unlock-'));
  dir = join(root, 'site');
  await makePkiTestSite(dir, { topology: 'single', passphrase: PASS });
  await updateSite(dir, (c) => {
    c.hosts = [{ ...c.hosts[0]!, address: '127.0.0.1', port: 1 }];
  });
});
test.afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

test('Unlock once: the CA and a hardware probe on two screens without retyping; Lock now asks again', async ({ page }) => {
  test.setTimeout(120_000);
  const received: string[] = [];
  const sent: string[] = [];
  page.on('websocket', (ws) => {
    ws.on('framereceived', (f) => received.push(String(f.payload)));
    ws.on('framesent', (f) => sent.push(String(f.payload)));
  });

  await openApp(page);
  await page.getByTestId('nav-certificates').click();
  await page.getByTestId('pki-site-dir').fill(dir);
  await page.getByTestId('pki-open').click();
  await expect(page.getByTestId('pki-no-ca')).toBeVisible();
  await expect(page.getByTestId('lock-indicator')).toHaveAttribute('data-state', 'locked');

  // First action that needs the passphrase: the unlock dialog asks (a wrong one is refused there).
  await page.getByTestId('pki-algorithm').selectOption('ecdsa-p256');
  await page.getByTestId('pki-init').click();
  await expect(page.getByTestId('unlock-dialog')).toBeVisible();
  await expect(page.getByTestId('unlock-dir')).toHaveText(dir);
  await page.getByTestId('unlock-passphrase').fill('not the passphrase');
  await page.getByTestId('unlock-submit').click();
  await expect(page.getByTestId('unlock-error')).toContainText('wrong site passphrase', { timeout: 30_000 });
  await expect(page.getByTestId('unlock-passphrase')).toHaveValue('');
  await screenshot(page, 'unlock-dialog');
  await page.getByTestId('unlock-passphrase').fill(PASS);
  await page.getByTestId('unlock-submit').click();
  await expect(page.getByTestId('unlock-dialog')).toBeHidden({ timeout: 30_000 });
  await expect(page.getByTestId('pki-ca-key')).toContainText('ECDSA', { timeout: 60_000 });
  await expect(page.getByTestId('lock-indicator')).toHaveAttribute('data-state', 'unlocked');
  await expect(page.getByTestId('lock-time-left')).toHaveText(/^1[45] min/);

  // Second action, another screen: the probe runs at once, no dialog.
  await page.getByTestId('nav-hardware').click();
  await expect(page.getByTestId('sh-dir')).toHaveValue(dir);
  await page.getByTestId('sh-probe').click();
  await expect(page.getByTestId('sh-result')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('unlock-dialog')).toBeHidden();
  await expect(page.getByTestId('sh-error')).toBeHidden();
  await screenshot(page, 'unlock-hardware-unlocked');

  // Lock now: the next action that needs the passphrase asks again.
  await page.getByTestId('lock-now').click();
  await expect(page.getByTestId('lock-indicator')).toHaveAttribute('data-state', 'locked');
  await page.getByTestId('sh-probe').click();
  await expect(page.getByTestId('unlock-dialog')).toBeVisible();
  await screenshot(page, 'unlock-after-lock-now');
  await page.getByTestId('unlock-cancel').click();
  await expect(page.getByTestId('unlock-dialog')).toBeHidden();

  // The passphrase went to the host once (site.unlock) and never came back.
  expect(sent.filter((f) => f.includes(PASS))).toHaveLength(1);
  expect(sent.find((f) => f.includes(PASS))).toContain('"method":"site.unlock"');
  expect(received.join('\n')).not.toContain(PASS);
  expect(await page.content()).not.toContain(PASS);
});
