import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';
import { labStatus, type LabNode } from '../../../electron/engine/lab/index.js';
import { testLabName } from '../../support/lab-name.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The console URL (with its session token) printed by the global setup's `appliance console`. */
export function consoleUrl(): string {
  return process.env.APPLIANCE_CONSOLE_URL ?? readFileSync(join(root, 'test-results', 'e2e-console-url.txt'), 'utf8').trim();
}

/** Opens the app and waits until the shell is connected to the engine. */
export async function openApp(page: Page): Promise<void> {
  await page.goto(consoleUrl());
  await page.getByTestId('app-version').filter({ hasText: /^v\d/ }).waitFor();
}

/** Saves a full-page screenshot under test-results/screens/NAME.png (look at these). */
export async function screenshot(page: Page, name: string): Promise<string> {
  const path = join(root, 'test-results', 'screens', `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

export const repoRoot = root;

/** The e2e lab's name (the global setup brings it up): "e2e" plus APPLIANCE_IT_LAB's suffix. */
export const E2E_LAB = testLabName('e2e');

/**
 * The running nodes of the e2e practice lab. With LAB_REQUIRED=1 (CI) a missing lab fails the
 * test instead of quietly testing less.
 */
export async function e2eLabNodes(): Promise<LabNode[]> {
  let nodes: LabNode[];
  try {
    nodes = (await labStatus({ name: E2E_LAB })).nodes.filter((n) => n.running);
  } catch {
    nodes = [];
  }
  if (nodes.length === 0 && process.env.LAB_REQUIRED === '1') throw new Error(`e2e lab "${E2E_LAB}" is not running (LAB_REQUIRED=1)`);
  return nodes;
}
