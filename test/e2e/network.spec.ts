import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { openApp, screenshot } from './support/console.js';

let dir = '';
test.beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'appliance-e2e-network-'));
  await writeFile(
    join(dir, 'site.yaml'),
    [
      'schemaVersion: 1',
      'name: St. Example Hospital',
      'topology: k3s-3',
      'domain: hospital-erp.local',
      'hosts:',
      '  - { name: lb1, address: 10.99.0.11, user: root, role: lb, auth: agent }',
      '  - { name: lb2, address: 10.99.0.12, user: root, role: lb, auth: agent }',
      '  - { name: node1, address: 10.99.0.13, user: root, auth: agent }',
      '  - { name: node2, address: 10.99.0.14, user: root, auth: agent }',
      '  - { name: node3, address: 10.99.0.15, user: root, auth: agent }',
      '  - { name: db1, address: 10.99.0.16, user: root, role: db, auth: agent }',
      '  - { name: admin, address: 10.99.0.17, user: root, role: mgmt, auth: agent }',
      '',
    ].join('\n'),
  );
});
test.afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('Network: preset, inline overlap error, diagram follows edits, save and render', async ({ page }) => {
  await openApp(page);
  await page.getByTestId('nav-network').click();
  await expect(page.getByTestId('network-screen')).toBeVisible();
  await page.getByTestId('network-site-dir').fill(dir);
  await page.getByTestId('network-open').click();
  await page.getByTestId('network-preset').selectOption('onprem-guide');
  await page.getByTestId('network-apply-preset').click();

  // The preset for this k3s-3 site: hosts placed in order, the guide's matrix plus K3s.
  await expect(page.getByTestId('field-network.hosts.node3.app')).toHaveValue('192.168.10.12');
  await expect(page.getByTestId('field-network.hosts.db1.data')).toHaveValue('192.168.20.10');
  await expect(page.getByTestId('matrix-app-data')).toContainText('tcp 5432, 6379, 2049');
  await expect(page.getByTestId('matrix-dmz-data')).toContainText('never');
  await expect(page.getByTestId('matrix-app-app')).toContainText('udp 8472');
  await expect(page.getByTestId('diagram-host-node1')).toContainText('192.168.10.10');
  await expect(page.getByTestId('diagram-vip')).toContainText('192.168.1.10');
  await expect(page.getByTestId('network-summary')).toContainText('no problems');

  // An overlapping segment: the error appears next to the field, the input turns red.
  const dataCidr = page.getByTestId('field-network.segments.data.cidr');
  await dataCidr.fill('192.168.10.0/24');
  const inline = page.getByTestId('problem-network.segments.data.cidr');
  await expect(inline).toContainText('Segment Data 192.168.10.0/24 overlaps segment App 192.168.10.0/24 (shared range 192.168.10.0/24)');
  await expect(dataCidr).toHaveClass(/invalid/);
  await expect(page.getByTestId('network-summary')).toContainText('error(s) to fix');
  await expect(page.getByTestId('network-render')).toBeDisabled();
  // The diagram follows the edit.
  await expect(page.getByTestId('diagram-band-data')).toContainText('192.168.10.0/24');
  await dataCidr.scrollIntoViewIfNeeded();
  await screenshot(page, 'network-overlap');

  // A DMZ -> Data rule is refused inline.
  await page.getByTestId('rule-add').click();
  const last = page.locator('[data-testid^="rule-"][data-testid$="-ports"]').last();
  const row = page.locator('table[data-testid="firewall-rules"] tbody tr').last();
  await row.getByLabel('from', { exact: true }).selectOption('dmz');
  await row.getByLabel('to', { exact: true }).selectOption('data');
  await last.fill('5432');
  await expect(row).toContainText('refused');
  await expect(page.getByTestId('matrix-dmz-data')).toContainText('tcp 5432');
  await row.getByRole('button', { name: 'Remove' }).click();

  // Fix, save into site.yaml, render the files.
  await dataCidr.fill('192.168.20.0/24');
  await expect(inline).toHaveCount(0);
  await expect(page.getByTestId('network-summary')).toContainText('no problems');
  await page.getByTestId('field-network.vip').fill('192.168.1.20');
  await expect(page.getByTestId('diagram-vip')).toContainText('192.168.1.20');
  await page.getByTestId('network-save').click();
  await expect(page.getByTestId('network-summary')).not.toContainText('Unsaved');
  expect(await readFile(join(dir, 'site.yaml'), 'utf8')).toContain('vip: 192.168.1.20');
  await page.getByTestId('network-render').click();
  await expect(page.getByTestId('network-rendered')).toContainText('file(s) written');
  expect(await readFile(join(dir, 'network-out', 'router', 'nftables.nft'), 'utf8')).toContain('policy drop');
  await page.getByTestId('network-diagram').scrollIntoViewIfNeeded();
  await screenshot(page, 'network');
});
