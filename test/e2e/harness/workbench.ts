/**
 * The workbench in a browser: Debian Chromium driven by playwright-core,
 * opened on a code-server and returned only once the extension host has
 * registered every extension, with the startup toasts and welcome pages out
 * of the way; and screenshots of it under test-results/e2e/.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { RESULTS_DIR, type CodeServer } from './codeServer';
import { answerDialog, dialog } from './dialogs';
import { logFiles } from './logs';
import { clearNotifications } from './notifications';
import { runCommand } from './quickInput';
import { once, safeName, waitUntil } from './util';

export const CHROMIUM_PATH = '/usr/bin/chromium';

export interface Workbench {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** console errors and uncaught exceptions of the page, in order. */
  consoleErrors: string[];
  close(): Promise<void>;
}

/** Chromium flags that work on these machines (see .library/env/machines/node.md). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-dev-shm-usage',
];

export async function openWorkbench(
  server: Pick<CodeServer, 'workbenchUrl' | 'userDataDir'>,
  options: { viewport?: { width: number; height: number }; timeout?: number } = {},
): Promise<Workbench> {
  // launch() gives every browser a fresh, temporary --user-data-dir of its own.
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1440, height: 900 } });
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push(msg.text());
  });
  page.on('pageerror', (err) => consoleErrors.push(`${err.name}: ${err.message}`));
  const close = once(async () => {
    await browser.close().catch(() => undefined);
  });
  try {
    await page.goto(server.workbenchUrl, { waitUntil: 'domcontentloaded' });
    await page.locator('.monaco-workbench').waitFor({ timeout: options.timeout ?? 60_000 });
    // Until the extension host has read every extension, the palette answers
    // "No matching commands" for contributed commands, and it does not refresh.
    await waitForExtensionHost(server, options.timeout ?? 60_000);
    await dismissStartupNoise(page);
  } catch (err) {
    await screenshot(page, 'open-workbench-failure').catch(() => undefined);
    await close();
    throw err;
  }
  return { browser, context, page, consoleErrors, close };
}

/**
 * Waits until the (newest) extension host has activated its startup
 * extensions, which it logs after it has registered every installed one.
 */
export async function waitForExtensionHost(server: Pick<CodeServer, 'userDataDir'>, timeout = 60_000): Promise<void> {
  await waitUntil(async () => {
    const log = logFiles(server).filter((f) => path.basename(f) === 'remoteexthost.log').pop();
    return !!log && fs.readFileSync(log, 'utf8').includes('Eager extensions activated');
  }, timeout, 'the extension host to start (remoteexthost.log: "Eager extensions activated")');
}

/** Closes notification toasts, dialogs and welcome editors that would steal focus. */
export async function dismissStartupNoise(page: Page): Promise<void> {
  if (await dialog(page)) await answerDialog(page);
  await clearNotifications(page);
  const welcome = page.locator('.editor-group-container .tab', { hasText: /Welcome|Walkthrough|Release Notes/ });
  if (await welcome.count()) await runCommand(page, 'View: Close All Editors');
}

/** Saves a PNG of the page under test-results/e2e/ and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${safeName(name)}.png`);
  // Let a toast that is fading in finish, so it is legible in the picture.
  await page
    .locator('.notification-toast:not(.notification-fade-in-done)')
    .first()
    .waitFor({ state: 'detached', timeout: 1_000 })
    .catch(() => undefined);
  await page.screenshot({ path: file, animations: 'disabled' });
  return file;
}

