import { expect, test } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, cpSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openApp, repoRoot, screenshot } from './support/console.js';

// Real bundles built with the real CLI; the console host trusts the test key through its data
// folder (test-results/e2e-data/trusted-keys), exactly as an engineer would add a key.
const work = join(repoRoot, 'test-results', 'e2e-bundles');
const appliance = (...args: string[]) => execFileSync(process.execPath, [join(repoRoot, 'bin', 'appliance.js'), ...args], { cwd: repoRoot, encoding: 'utf8' });

test.beforeAll(() => {
  rmSync(work, { recursive: true, force: true });
  // Results of earlier runs would say "changed since verified" for the rebuilt bundles.
  rmSync(join(repoRoot, 'test-results', 'e2e-data', 'bundle-verify'), { recursive: true, force: true });
  mkdirSync(join(work, 'src'), { recursive: true });
  mkdirSync(join(work, 'usb'), { recursive: true });
  writeFileSync(join(work, 'src', 'tool.bin'), randomBytes(24 * 1024 * 1024));
  writeFileSync(join(work, 'src', 'compose.yml'), 'services: {}\n');
  writeFileSync(
    join(work, 'site.bundle.yaml'),
    'schemaVersion: 1\nname: e2e-stack\nversion: 2.0.0\ntopologies: [single]\ncomponents:\n  - name: tools\n    artifacts:\n      - kind: binary\n        ref: tool@2.0\n        source: { file: src/tool.bin }\n  - name: config\n    artifacts:\n      - kind: asset\n        ref: compose/docker-compose.yml\n        source: { file: src/compose.yml }\n',
  );
  appliance('bundle', 'keygen', '--out', join(work, 'keys'), '--name', 'e2e-signer');
  const trusted = join(repoRoot, 'test-results', 'e2e-data', 'trusted-keys');
  mkdirSync(trusted, { recursive: true });
  copyFileSync(join(work, 'keys', 'e2e-signer.pub.pem'), join(trusted, 'e2e-signer.pub.pem'));
  appliance('bundle', 'build', join(work, 'site.bundle.yaml'), '--out', join(work, 'usb', 'good'), '--sign', join(work, 'keys', 'e2e-signer.key.pem'));
  appliance('bundle', 'build', join(work, 'site.bundle.yaml'), '--out', join(work, 'usb', 'unsigned.tar'));
  // A copy of the good bundle with one byte flipped in the middle of the big blob.
  cpSync(join(work, 'usb', 'good'), join(work, 'usb', 'corrupt'), { recursive: true });
  const blobs = join(work, 'usb', 'corrupt', 'blobs', 'sha256');
  const big = readdirSync(blobs).map((b) => join(blobs, b)).sort((a, b) => readFileSync(b).length - readFileSync(a).length)[0]!;
  const data = readFileSync(big);
  data[data.length >> 1] = data[data.length >> 1]! ^ 0xff;
  writeFileSync(big, data);
});

test('the Bundle screen finds bundles, shows the signer, verifies with progress, and names a corrupt artifact', async ({ page }) => {
  await openApp(page);
  await page.getByTestId('nav-bundle').click();
  await expect(page.getByTestId('bundle-screen')).toBeVisible();

  await page.getByTestId('bundle-search').fill(join(work, 'usb'));
  await page.getByTestId('bundle-search-run').click();
  const found = page.getByTestId('bundle-found-item');
  await expect(found.filter({ hasText: join(work, 'usb', 'good') })).toBeVisible();
  await expect(found.filter({ hasText: 'unsigned.tar' })).toContainText('unsigned');

  // A good, signed bundle: trusted key name in green, every artifact ok after Verify.
  await found.filter({ hasText: join(work, 'usb', 'good') }).click();
  await expect(page.getByTestId('bundle-info')).toContainText('e2e-stack');
  await expect(page.getByTestId('bundle-signature')).toHaveAttribute('data-status', 'trusted');
  await expect(page.getByTestId('bundle-key-name')).toHaveText('e2e-signer');
  await expect(page.getByTestId('bundle-verification')).toHaveText('Not verified');
  await page.getByTestId('bundle-verify').click();
  await expect(page.getByTestId('bundle-outcome')).toHaveAttribute('data-ok', 'true');
  await expect(page.getByTestId('bundle-outcome')).toContainText('2 artifacts');
  await expect(page.getByTestId('bundle-artifact-tool@2.0')).toContainText('ok');
  await expect(page.getByTestId('bundle-verification')).toHaveText('Verified');
  await screenshot(page, 'bundle');

  // Verifying again is answered from the cache.
  await page.getByTestId('bundle-verify').click();
  await expect(page.getByTestId('bundle-outcome')).toContainText('unchanged since the last verification');

  // A corrupt copy: the failing artifact is named, with its status in the table.
  await found.filter({ hasText: join(work, 'usb', 'corrupt') }).click();
  await page.getByTestId('bundle-full').check();
  await page.getByTestId('bundle-verify').click();
  await expect(page.getByTestId('bundle-outcome')).toHaveAttribute('data-ok', 'false');
  await expect(page.getByTestId('bundle-outcome')).toContainText('tool@2.0');
  await expect(page.getByTestId('bundle-artifact-tool@2.0')).toContainText('digest mismatch');
  await expect(page.getByTestId('bundle-artifact-compose/docker-compose.yml')).toContainText('ok');
  await screenshot(page, 'bundle-corrupt');
});

test('an unsigned bundle is shown in red and refused unless the engineer accepts it', async ({ page }) => {
  await openApp(page);
  await page.getByTestId('nav-bundle').click();
  await page.getByTestId('bundle-path').fill(join(work, 'usb', 'unsigned.tar'));
  await page.getByTestId('bundle-open').click();
  await expect(page.getByTestId('bundle-signature')).toHaveAttribute('data-status', 'unsigned');
  await expect(page.getByTestId('bundle-signature')).toContainText('UNSIGNED');
  await page.getByTestId('bundle-verify').click();
  await expect(page.getByTestId('bundle-outcome')).toHaveAttribute('data-ok', 'false');
  await expect(page.getByTestId('bundle-outcome')).toContainText('allow-unsigned');
  await page.getByTestId('bundle-allow-unsigned').check();
  await page.getByTestId('bundle-verify').click();
  await expect(page.getByTestId('bundle-outcome')).toHaveAttribute('data-ok', 'true');
  await expect(page.getByTestId('bundle-signature')).toContainText('Accepted anyway');
  await screenshot(page, 'bundle-unsigned');
});
