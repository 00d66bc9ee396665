import { expect, test } from '@playwright/test';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LabNode } from '../../electron/engine/lab/index.js';
import { e2eLabNodes, openApp, screenshot } from './support/console.js';

const PASSPHRASE = 'e2e site passphrase';
const GHOST_PASSWORD = 'Ghost-Host-Pw-314';

/** A running node of the e2e practice lab (required in CI). */
async function labNode(): Promise<LabNode | undefined> {
  return (await e2eLabNodes())[0];
}

test('Site & targets: create a site, add hosts, pin a host key in the dialog, test connections', async ({ page }) => {
  test.setTimeout(120_000);
  const root = mkdtempSync(join(tmpdir(), 'site-e2e-'));
  const dir = join(root, 'st-example');
  const node = await labNode();
  try {
    await openApp(page);
    await page.getByTestId('nav-site').click();
    await expect(page.getByTestId('site-screen')).toBeVisible();

    await page.getByTestId('site-dir').fill(dir);
    await page.getByTestId('site-passphrase').fill(PASSPHRASE);
    await page.getByTestId('site-name').fill('St. Example Hospital');
    await page.getByTestId('site-topology').selectOption('k3s-3');
    await page.getByTestId('site-create').click();
    await expect(page.getByTestId('site-summary-name')).toHaveText('St. Example Hospital', { timeout: 30_000 });

    if (node) {
      // A real lab node by key: not pinned until the engineer accepts the fingerprint it presents.
      await page.getByTestId('addhost-name').fill(node.name);
      await page.getByTestId('addhost-address').fill(node.address);
      await page.getByTestId('addhost-user').fill('root');
      await page.getByTestId('addhost-auth').selectOption('key');
      await page.getByTestId('addhost-keypath').fill(node.keyPath);
      await page.getByTestId('addhost-submit').click();
      await expect(page.getByTestId(`site-hostkey-${node.name}`)).toHaveText('not pinned', { timeout: 30_000 });
      await page.getByTestId(`site-checkkey-${node.name}`).click();
      await expect(page.getByTestId('hostkey-fingerprint')).toHaveText(node.hostKeyFingerprint, { timeout: 20_000 });
      await expect(page.getByTestId('hostkey-state')).toHaveAttribute('data-state', 'unpinned');
      await expect(page.getByTestId('hostkey-dialog')).toContainText('presents a ssh-ed25519 key');
      await screenshot(page, 'site-hostkey-dialog');
      await page.getByTestId('hostkey-accept').click();
      await expect(page.getByTestId('hostkey-dialog')).toBeHidden({ timeout: 20_000 });
      await expect(page.getByTestId(`site-hostkey-${node.name}`)).toHaveAttribute('title', node.hostKeyFingerprint);
    }

    // A host with a password that nothing answers for: the password goes in, never comes back.
    await page.getByTestId('addhost-name').fill('ghost');
    await page.getByTestId('addhost-address').fill('127.0.0.1');
    await page.getByTestId('addhost-port').fill('1');
    await page.getByTestId('addhost-user').fill('admin');
    await page.getByTestId('addhost-auth').selectOption('password');
    await page.getByTestId('addhost-secret').fill(GHOST_PASSWORD);
    await page.getByTestId('addhost-submit').click();
    await expect(page.getByTestId('site-host-ghost')).toContainText('password (stored)', { timeout: 30_000 });
    await expect(page.getByTestId('addhost-secret')).toHaveValue('');

    await page.getByTestId('site-test').click();
    await expect(page.getByTestId('site-test-summary')).toBeVisible({ timeout: 60_000 });
    await expect(page.getByTestId('site-test-ghost')).toContainText('network: 127.0.0.1:1: connection refused');
    if (node) await expect(page.getByTestId(`site-test-${node.name}`).locator('[data-ok]')).toHaveAttribute('data-ok', 'true');
    await expect(page.getByTestId('site-test-summary')).toContainText('1 of');
    await screenshot(page, 'site');

    expect(await page.content()).not.toContain(GHOST_PASSWORD);
    expect(readFileSync(join(dir, 'site.yaml'), 'utf8')).not.toContain(GHOST_PASSWORD);

    // The open site is the folder of every later step: no need to type it again.
    await page.getByTestId('nav-certificates').click();
    await expect(page.getByTestId('pki-site-dir')).toHaveValue(dir);
    await expect(page.getByTestId('pki-no-ca')).toBeVisible({ timeout: 30_000 });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
