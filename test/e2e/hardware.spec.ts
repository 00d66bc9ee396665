import { expect, test } from '@playwright/test';
import { cpus, totalmem } from 'node:os';
import { openApp, screenshot } from './support/console.js';

test('the Hardware screen shows this machine\'s real cores and memory', async ({ page }) => {
  await openApp(page);
  // Unbuilt steps say so plainly instead of pretending.
  await page.getByTestId('nav-diagnostics').click();
  await expect(page.getByTestId('not-built')).toContainText('Not built yet');

  await page.getByTestId('nav-hardware').click();
  await expect(page.getByTestId('hardware-screen')).toBeVisible();
  const cpu = page.getByTestId('hw-cpu');
  // Detection reads every NIC and disk: seconds on a busy machine with lab interfaces, so wait for it.
  await expect(cpu).toContainText(`${cpus().length} threads`, { timeout: 30_000 });
  const gib = (totalmem() / 1024 ** 3).toFixed(1);
  await expect(page.getByTestId('hw-memory')).toContainText(`${gib} GiB`);
  await expect(page.getByTestId('hw-filesystems')).toContainText('/');
  await expect(page.getByTestId('hw-nics')).toContainText('lo');
  // The token is removed from the address bar once the app has it.
  expect(page.url()).not.toContain('token=');
  await screenshot(page, 'hardware');
});

test('a request without the session token is refused with a clear message', async ({ request }) => {
  const { consoleUrl } = await import('./support/console.js');
  const bare = consoleUrl().replace(/\?token=.*$/, '');
  const res = await request.get(bare);
  expect(res.status()).toBe(401);
  expect(await res.text()).toContain('needs its session token');
});
