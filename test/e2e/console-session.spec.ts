import { expect, test } from '@playwright/test';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { consoleUrl, openApp, screenshot } from './support/console.js';

/*
 * Chromium does not isolate cookies by port: without a narrow Path, another web service on
 * 127.0.0.1 that this browser visits would receive the console's session cookie. A tiny
 * "other local service" records the Cookie header of every request it gets.
 */

let other: Server;
let otherOrigin: string;
const seen: { path: string; cookie: string }[] = [];

test.beforeAll(async () => {
  other = createServer((req, res) => {
    seen.push({ path: req.url ?? '', cookie: req.headers.cookie ?? '' });
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end('<!doctype html><title>another local service</title>');
  });
  await new Promise<void>((r) => other.listen(0, '127.0.0.1', () => r()));
  otherOrigin = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
});
test.afterAll(async () => {
  await new Promise((r) => other.close(r));
});

test('the session cookie is scoped to the console\'s random path: other local services never receive it', async ({ page, context }) => {
  await openApp(page);
  await screenshot(page, 'console-session');
  const prefix = new URL(consoleUrl()).pathname;
  expect(prefix).toMatch(/^\/s\/[\w-]+\/$/);
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === 'appliance_session');
  expect(session).toMatchObject({ domain: '127.0.0.1', path: prefix, httpOnly: true, sameSite: 'Strict' });

  // Same site (ports do not count), so only the Path keeps the cookie away: navigate there from the app...
  await page.goto(`${otherOrigin}/`);
  await expect(page).toHaveTitle('another local service');
  // ...to paths that look like the console's, and through the context's own requests.
  await page.goto(`${otherOrigin}/s/not-the-prefix/`);
  await page.goto(`${otherOrigin}/api`);
  expect((await page.request.get(`${otherOrigin}/index.html`)).ok()).toBe(true);
  expect(seen.map((s) => s.path)).toEqual(expect.arrayContaining(['/', '/s/not-the-prefix/', '/api', '/index.html']));
  for (const s of seen) expect(s.cookie, s.path).not.toContain('appliance_session');

  // The console itself still works with the cookie alone (no token in the URL any more).
  await page.goto(new URL(prefix, consoleUrl()).href);
  await page.getByTestId('app-version').filter({ hasText: /^v\d/ }).waitFor();
  // Outside its prefix the console has nothing, cookie or not.
  const outside = await page.request.get(new URL('/', consoleUrl()).href);
  expect(outside.status()).toBe(404);
});
