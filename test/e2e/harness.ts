/**
 * Real-editor end-to-end tests: VS Code 1.100.3 served by code-server on
 * loopback, with extensions installed from .vsix files, driven through Debian
 * Chromium by playwright-core. `bash scripts/install-e2e.sh` installs both.
 *
 * Everything a test starts here is stopped by `stop()`/`close()`, including
 * the extension host and whatever it forked (workers, MCP servers).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser, type BrowserContext, type FrameLocator, type Locator, type Page } from 'playwright-core';

const execFileAsync = promisify(execFile);

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const CODE_SERVER_BIN = path.join(REPO_ROOT, '.vscode-test', 'code-server', 'node_modules', '.bin', 'code-server');
export const CHROMIUM_PATH = '/usr/bin/chromium';
export const RESULTS_DIR = path.join(REPO_ROOT, 'test-results', 'e2e');

/** Every process started for one code-server run carries this variable, so stragglers can be found. */
const RUN_MARKER = 'MCP_TUNNEL_E2E_RUN';

/**
 * Runs not stopped yet. code-server is started in its own process group and
 * would outlive a test process that crashes or exits (mocha --exit) before
 * stop(): on exit, kill what is left, synchronously.
 */
const liveRuns = new Map<string, number>();
process.on('exit', () => {
  for (const [runId, root] of liveRuns) {
    for (const pid of new Set([root, ...descendantsOf(root), ...pidsWithEnv(`${RUN_MARKER}=${runId}`)])) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }
});

// ---------------------------------------------------------------------------
// code-server
// ---------------------------------------------------------------------------

export interface CodeServerOptions {
  /** Folder opened in the workbench. Created if missing. */
  workspace: string;
  /** Merged over quiet defaults and written to USER/User/settings.json. */
  userSettings?: Record<string, unknown>;
  /** Merged into WORKSPACE/.vscode/settings.json. */
  workspaceSettings?: Record<string, unknown>;
  /** Extra environment for code-server and so for the extension host and everything it forks. */
  env?: Record<string, string>;
  /** true (default): --disable-workspace-trust. false: trust is on and the folder is not trusted. */
  trust?: boolean;
  vsixPath?: string;
  extraVsix?: string[];
  /** Names the folder under test-results/e2e/ that stop() copies the logs into. */
  name?: string;
}

export interface CodeServer {
  /** http://127.0.0.1:PORT/ */
  url: string;
  /** http://127.0.0.1:PORT/?folder=WORKSPACE */
  workbenchUrl: string;
  port: number;
  workspace: string;
  process: ChildProcess;
  /** Temporary folder holding everything below; removed by stop(). */
  tempDir: string;
  userDataDir: string;
  extensionsDir: string;
  /** VS Code's logs: USER/logs/<timestamp>/ (remoteagent.log, exthost1/remoteexthost.log, ...). */
  logsDir: string;
  /** code-server's own stdout and stderr. */
  serverLog: string;
  /** Kills code-server and every process it started; copies the logs to test-results/e2e/. */
  stop(): Promise<void>;
}

/** Settings that keep a fresh profile from opening welcome pages, tips and update checks. */
const QUIET_USER_SETTINGS: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.tips.enabled': false,
  // No sliding toasts or panels: steadier screenshots and clicks.
  'workbench.reduceMotion': 'on',
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'chat.commandCenter.enabled': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  // With trust on, open untrusted (restricted mode) without a modal dialog.
  'security.workspace.trust.startupPrompt': 'never',
  'git.openRepositoryInParentFolders': 'never',
};

export async function startCodeServer(options: CodeServerOptions): Promise<CodeServer> {
  if (!fs.existsSync(CODE_SERVER_BIN)) {
    throw new Error(`code-server is not installed at ${CODE_SERVER_BIN}: run 'bash scripts/install-e2e.sh'`);
  }
  const workspace = path.resolve(options.workspace);
  fs.mkdirSync(workspace, { recursive: true });
  const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-tunnel-e2e-'));
  const userDataDir = path.join(tempDir, 'user-data');
  const extensionsDir = path.join(tempDir, 'extensions');
  const serverLog = path.join(tempDir, 'code-server.log');
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.mkdirSync(extensionsDir, { recursive: true });

  const runId = randomUUID();
  // code-server keeps its config file and its own logs under the XDG folders.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    XDG_CONFIG_HOME: path.join(tempDir, 'xdg-config'),
    XDG_DATA_HOME: path.join(tempDir, 'xdg-data'),
    ...options.env,
    [RUN_MARKER]: runId,
  };
  // Set when the tests run in a VS Code terminal: they would send the CLI to that editor.
  delete env.VSCODE_IPC_HOOK_CLI;
  delete env.ELECTRON_RUN_AS_NODE;

  const vsixes = [options.vsixPath, ...(options.extraVsix ?? [])].filter((v): v is string => !!v);
  if (vsixes.length) await installExtensions(vsixes, { userDataDir, extensionsDir, env });

  writeJson(path.join(userDataDir, 'User', 'settings.json'), { ...QUIET_USER_SETTINGS, ...options.userSettings });
  if (options.workspaceSettings) {
    const file = path.join(workspace, '.vscode', 'settings.json');
    writeJson(file, { ...readJsonIfAny(file), ...options.workspaceSettings });
  }

  const port = await freePort();
  const args = [
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    ...(options.trust === false ? [] : ['--disable-workspace-trust']),
    '--extensions-dir', extensionsDir,
    '--user-data-dir', userDataDir,
    workspace,
  ];
  const out = fs.openSync(serverLog, 'a');
  const child = spawn(CODE_SERVER_BIN, args, { env, stdio: ['ignore', out, out], detached: true });
  fs.closeSync(out);
  if (child.pid) liveRuns.set(runId, child.pid);
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = `code-server exited (${signal ?? code})`));

  const url = `http://127.0.0.1:${port}/`;
  const server: CodeServer = {
    url,
    workbenchUrl: `${url}?folder=${encodeURIComponent(workspace)}`,
    port,
    workspace,
    process: child,
    tempDir,
    userDataDir,
    extensionsDir,
    get logsDir() {
      return latestLogsDir(userDataDir);
    },
    serverLog,
    stop: once(() => stopServer(server, runId, options.name)),
  };
  try {
    await waitUntil(async () => {
      if (exited) throw new Error(`${exited}:\n${tail(serverLog)}`);
      return (await httpStatus(`${url}healthz`)) === 200;
    }, 30_000, 'code-server to listen');
    const status = await httpStatus(server.workbenchUrl);
    if (status !== 200) throw new Error(`the workbench answered ${status}:\n${tail(serverLog)}`);
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}

async function installExtensions(
  vsixes: string[],
  dirs: { userDataDir: string; extensionsDir: string; env: NodeJS.ProcessEnv },
): Promise<void> {
  const args = vsixes.flatMap((v) => ['--install-extension', path.resolve(v)]);
  args.push('--force', '--extensions-dir', dirs.extensionsDir, '--user-data-dir', dirs.userDataDir);
  const { stdout, stderr } = await execFileAsync(CODE_SERVER_BIN, args, { env: dirs.env, timeout: 120_000 });
  const installed = (stdout.match(/successfully installed/gi) ?? []).length;
  if (installed < vsixes.length) {
    throw new Error(`installing ${vsixes.join(', ')} failed:\n${stdout}\n${stderr}`);
  }
}

/** The server's own folder under USER/logs (the CLI's --install-extension run gets another one). */
function latestLogsDir(userDataDir: string): string {
  const root = path.join(userDataDir, 'logs');
  const runs = fs.existsSync(root) ? fs.readdirSync(root).sort().reverse() : [];
  const served = runs.find((r) => fs.existsSync(path.join(root, r, 'remoteagent.log')));
  return served ? path.join(root, served) : root;
}

async function stopServer(server: CodeServer, runId: string, name: string | undefined): Promise<void> {
  const root = server.process.pid;
  const seen = new Map<number, string>();
  const remember = () => {
    const procs = readProcs();
    const ids = new Set<number>(root ? [root, ...descendantsOf(root, procs)] : []);
    for (const pid of pidsWithEnv(`${RUN_MARKER}=${runId}`)) ids.add(pid);
    for (const pid of ids) {
      const p = procs.get(pid);
      if (p && !seen.has(pid)) seen.set(pid, p.start);
    }
  };
  remember();
  // Ask nicely first so the extension host can deactivate extensions.
  if (root && server.process.exitCode === null && server.process.signalCode === null) {
    try {
      process.kill(root, 'SIGTERM');
    } catch {
      /* already gone */
    }
    await waitUntil(async () => server.process.exitCode !== null || server.process.signalCode !== null, 5_000, '', false);
  }
  remember();
  const alive = () => {
    const procs = readProcs();
    return [...seen].filter(([pid, start]) => procs.get(pid)?.start === start).map(([pid]) => pid);
  };
  for (const pid of alive()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* raced with its exit */
    }
  }
  await waitUntil(async () => alive().length === 0, 5_000, '', false);
  const left = alive();
  liveRuns.delete(runId);

  if (name) {
    const dest = path.join(RESULTS_DIR, `${safeName(name)}-logs`);
    fs.rmSync(dest, { recursive: true, force: true });
    fs.mkdirSync(dest, { recursive: true });
    const logs = path.join(server.userDataDir, 'logs');
    if (fs.existsSync(logs)) fs.cpSync(logs, path.join(dest, 'vscode'), { recursive: true });
    if (fs.existsSync(server.serverLog)) fs.copyFileSync(server.serverLog, path.join(dest, 'code-server.log'));
  }
  if (!process.env.E2E_KEEP_TEMP) fs.rmSync(server.tempDir, { recursive: true, force: true });
  if (left.length) throw new Error(`processes survived stop(): ${left.join(', ')}`);
}

// ---------------------------------------------------------------------------
// Browser
// ---------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------
// Command palette and quick input
// ---------------------------------------------------------------------------

const QUICK_INPUT = '.quick-input-widget';

/**
 * Runs a command from the palette by its title as the palette shows it
 * ("Category: Title"): F1, type, choose the entry (exact label, else the first
 * containing it). The palette does not refresh its list when a command is
 * registered while it is open, so it is reopened until the entry shows up.
 */
export async function runCommand(page: Page, title: string, options: { timeout?: number } = {}): Promise<void> {
  const timeout = options.timeout ?? 20_000;
  const deadline = Date.now() + timeout;
  let lastError: unknown;
  const query = `>${title}`;
  let input: Locator | undefined;
  do {
    const blocking = await dialog(page);
    if (blocking) throw new Error(`runCommand('${title}'): a modal dialog is open: ${blocking.message} ${blocking.detail}`);
    try {
      input = await openQuickInput(page, 'F1', 5_000);
      await input.fill(query);
      const row = await waitForQuickPickRow(page, title, 3_000);
      await row.click();
      break;
    } catch (err) {
      lastError = err;
      input = undefined;
      if (await page.locator(QUICK_INPUT).isVisible()) await page.keyboard.press('Escape');
    }
  } while (Date.now() < deadline);
  if (!input) throw new Error(`runCommand('${title}') failed: ${(lastError as Error)?.message}`);
  // The palette closes, or gives way to the command's own quick pick or input
  // box. Never retried from here on: the command may already be running.
  const done = await waitUntil(
    async () => !(await page.locator(QUICK_INPUT).isVisible()) || (await input!.inputValue().catch(() => '')) !== query,
    5_000,
    '',
    false,
  );
  if (!done) throw new Error(`runCommand('${title}'): the palette stayed open after choosing the command`);
}

async function openQuickInput(page: Page, key: string, timeout: number): Promise<Locator> {
  await page.keyboard.press(key);
  const input = page.locator(`${QUICK_INPUT} .quick-input-box input`);
  await input.waitFor({ state: 'visible', timeout });
  return input;
}

/** The row whose label is exactly `label`, else the first that contains it. */
async function waitForQuickPickRow(page: Page, label: string, timeout: number): Promise<Locator> {
  const rows = page.locator(`${QUICK_INPUT} .quick-input-list .monaco-list-row`);
  let found: Locator | undefined;
  await waitUntil(async () => {
    const labels = await quickPickLabels(rows).catch((): string[] => []);
    let index = labels.findIndex((l) => l === label);
    if (index < 0) index = labels.findIndex((l) => l.toLowerCase().includes(label.toLowerCase()));
    if (index >= 0) found = rows.nth(index);
    return index >= 0;
  }, timeout, `quick pick entry '${label}'`);
  return found!;
}

/** Labels of quick pick rows, without keybindings or descriptions. */
function quickPickLabels(rows: Locator): Promise<string[]> {
  // Runs in the page: it may not call anything defined in this file.
  return rows.evaluateAll(
    (els) =>
      els.map((el: any) => {
        const label = el.querySelector('.quick-input-list-label .label-name') ?? el.querySelector('.label-name');
        return String(label?.textContent ?? el.getAttribute('aria-label') ?? '').trim();
      }),
    undefined,
  );
}

export interface QuickPickDriver {
  /** Waits until the quick input (pick or input box) is open. */
  waitOpen(timeout?: number): Promise<void>;
  /** Labels of the visible items. */
  items(): Promise<string[]>;
  /** Chooses the item labelled `label` (exact, else first containing it). */
  pick(label: string, timeout?: number): Promise<void>;
  /** Types `value` into the input box and accepts it; `password: true` asserts the box masks input. */
  fill(value: string, options?: { password?: boolean; accept?: boolean }): Promise<void>;
  /** Presses Enter: accepts the input, or the checked items of a canPickMany pick. */
  accept(): Promise<void>;
  /** Title, placeholder, and prompt or validation message currently shown. */
  texts(): Promise<{ title: string; placeholder: string; message: string }>;
  /**
   * Waits until the title, placeholder or message shows `text`: the way to
   * know that the next quick input of a flow has replaced the previous one.
   */
  waitFor(text: string | RegExp, timeout?: number): Promise<void>;
  cancel(): Promise<void>;
}

/** Drives the quick input shown by showQuickPick / showInputBox. */
export function quickPick(page: Page): QuickPickDriver {
  const widget = page.locator(QUICK_INPUT);
  const input = page.locator(`${QUICK_INPUT} .quick-input-box input`);
  const driver: QuickPickDriver = {
    async waitOpen(timeout = 15_000) {
      await input.waitFor({ state: 'visible', timeout });
    },
    async items() {
      await driver.waitOpen();
      return quickPickLabels(page.locator(`${QUICK_INPUT} .quick-input-list .monaco-list-row`));
    },
    async pick(label, timeout = 15_000) {
      await driver.waitOpen(timeout);
      const row = await waitForQuickPickRow(page, label, timeout);
      await row.click();
    },
    async fill(value, opts = {}) {
      await driver.waitOpen();
      if (opts.password !== undefined) {
        const type = await input.getAttribute('type');
        if ((type === 'password') !== opts.password) {
          throw new Error(`expected ${opts.password ? 'a password' : 'a plain'} input box, got type=${type}`);
        }
      }
      await input.fill(value);
      if (opts.accept !== false) await input.press('Enter');
    },
    async accept() {
      await input.press('Enter');
    },
    async texts() {
      const text = async (selector: string) => {
        const l = widget.locator(selector).first();
        return (await l.count()) ? ((await l.textContent()) ?? '').trim() : '';
      };
      return {
        title: await text('.quick-input-title'),
        placeholder: (await input.getAttribute('placeholder')) ?? '',
        message: await text('.quick-input-message'),
      };
    },
    async waitFor(text, timeout = 15_000) {
      let seen = { title: '', placeholder: '', message: '' };
      const shows = (t: string) => (typeof text === 'string' ? t.includes(text) : text.test(t));
      const found = await waitUntil(async () => {
        if (!(await input.isVisible())) return false;
        seen = await driver.texts();
        return [seen.title, seen.placeholder, seen.message].some(shows);
      }, timeout, '', false);
      if (!found) throw new Error(`the quick input never showed ${text}; last seen: ${JSON.stringify(seen)}`);
    },
    async cancel() {
      await page.keyboard.press('Escape');
      await widget.waitFor({ state: 'hidden', timeout: 5_000 });
    },
  };
  return driver;
}

// ---------------------------------------------------------------------------
// Modal dialogs (showInformationMessage(..., { modal: true }), command errors)
// ---------------------------------------------------------------------------

export interface DialogInfo {
  message: string;
  detail: string;
  buttons: string[];
}

/** The modal dialog on screen, if any. A command run from the palette that throws shows one. */
export async function dialog(page: Page): Promise<DialogInfo | undefined> {
  const box = page.locator('.monaco-dialog-box');
  if (!(await box.isVisible())) return undefined;
  const text = async (selector: string) => ((await box.locator(selector).first().textContent().catch(() => '')) ?? '').trim();
  return {
    message: await text('.dialog-message-text'),
    detail: await text('.dialog-message-detail'),
    buttons: (await box.locator('.dialog-buttons .monaco-button').allTextContents()).map((b) => b.trim()),
  };
}

/** Waits for a modal dialog and returns what it says. */
export async function waitForDialog(page: Page, timeout = 15_000): Promise<DialogInfo> {
  await page.locator('.monaco-dialog-box').waitFor({ state: 'visible', timeout });
  return (await dialog(page))!;
}

/** Presses a button of the modal dialog by its label, or closes it (Escape) without one. */
export async function answerDialog(page: Page, button?: string): Promise<void> {
  const box = page.locator('.monaco-dialog-box');
  if (button) await box.locator('.dialog-buttons .monaco-button', { hasText: button }).first().click();
  else await page.keyboard.press('Escape');
  await box.waitFor({ state: 'hidden', timeout: 5_000 });
}

// ---------------------------------------------------------------------------
// Notifications
// ---------------------------------------------------------------------------

const TOAST = '.notifications-toasts .notification-toast';

/**
 * Messages of the notification toasts on screen, newest first. Toasts hide
 * themselves after a while; the notification center keeps them (not read here).
 */
export async function notifications(page: Page): Promise<string[]> {
  return (await page.locator(`${TOAST} .notification-list-item-message`).allTextContents()).map((m) => m.trim());
}

export interface NotificationInfo {
  message: string;
  severity: 'info' | 'warning' | 'error' | 'unknown';
  /** "Source: <extension display name>", as VS Code shows it */
  source: string;
  buttons: string[];
}

/** The toasts on screen with severity, source and action buttons, newest first. */
export async function notificationDetails(page: Page): Promise<NotificationInfo[]> {
  return page.locator(TOAST).evaluateAll(
    (els) =>
      els.map((el: any) => {
        const icon = String(el.querySelector('.notification-list-item-icon')?.className ?? '');
        return {
          message: String(el.querySelector('.notification-list-item-message')?.textContent ?? '').trim(),
          severity: /codicon-error/.test(icon) ? 'error' : /codicon-warning/.test(icon) ? 'warning' : /codicon-info/.test(icon) ? 'info' : 'unknown',
          source: String(el.querySelector('.notification-list-item-source')?.textContent ?? '').trim(),
          buttons: Array.from(el.querySelectorAll('.notification-list-item-buttons-container .monaco-button')).map((b: any) =>
            String(b.textContent ?? '').trim(),
          ),
        };
      }),
    undefined,
  ) as Promise<NotificationInfo[]>;
}

/** Clicks an action button (showInformationMessage(msg, ...items)) of the toast whose message contains `message`. */
export async function clickNotificationButton(page: Page, message: string | RegExp, button: string): Promise<void> {
  const toast = page.locator(TOAST).filter({ has: page.locator('.notification-list-item-message', { hasText: message }) });
  await toast
    .first()
    .locator('.notification-list-item-buttons-container .monaco-button', { hasText: button })
    .first()
    .click({ timeout: 10_000 });
}

/** Waits for a toast whose message contains `text` (or matches it) and returns its message. */
export async function waitForNotification(page: Page, text: string | RegExp, timeout = 15_000): Promise<string> {
  let match: string | undefined;
  let seen: string[] = [];
  const found = await waitUntil(async () => {
    seen = await notifications(page);
    match = seen.find((m) => (typeof text === 'string' ? m.includes(text) : text.test(m)));
    return match !== undefined;
  }, timeout, '', false);
  if (!found) {
    const modal = await dialog(page);
    throw new Error(
      `no notification ${text} within ${timeout} ms; on screen: ${JSON.stringify(seen)}` +
        (modal ? `; modal dialog: ${modal.message} ${modal.detail}` : ''),
    );
  }
  return match!;
}

/** Dismisses every notification toast (its clear button shows on hover). */
export async function clearNotifications(page: Page): Promise<void> {
  const toasts = page.locator(TOAST);
  for (let i = 0; i < 20 && (await toasts.count()); i++) {
    const toast = toasts.first();
    try {
      await toast.hover({ timeout: 2_000 });
      await toast.locator('.codicon-notifications-clear').click({ timeout: 2_000 });
    } catch {
      await runCommand(page, 'Notifications: Clear All Notifications');
      return;
    }
  }
}

// ---------------------------------------------------------------------------
// Tree views
// ---------------------------------------------------------------------------

export interface TreeRow {
  label: string;
  description: string;
  /** The row's aria-label (VS Code uses the item's tooltip/accessibility label or "label description"). */
  ariaLabel: string;
  /** undefined for leaves */
  expanded: boolean | undefined;
  level: number;
}

/**
 * The tree of a view, by the view's name. VS Code labels a tree view's list
 * (role=tree) with the view's name, also when the view is alone in its
 * container and its own header is hidden.
 */
export function viewTree(page: Page, viewTitle: string): Locator {
  return page.locator(`.monaco-list[role="tree"][aria-label=${JSON.stringify(viewTitle)}]`).first();
}

/**
 * The pane of a view in the side bar or panel, by the view's name. Its header
 * is labelled "<name> Section" (hidden, but there, when the view is alone).
 */
export function viewPane(page: Page, viewTitle: string): Locator {
  return page
    .locator('.pane')
    .filter({ has: page.locator(`.pane-header[aria-label=${JSON.stringify(`${viewTitle} Section`)}]`) })
    .first();
}

/** The welcome content (viewsWelcome) a view shows instead of an empty tree, if it shows one. */
export async function viewWelcome(page: Page, viewTitle: string): Promise<{ text: string; buttons: string[] } | undefined> {
  const content = viewPane(page, viewTitle).locator('.pane-body.welcome .welcome-view-content');
  if (!(await content.count()) || !(await content.first().isVisible())) return undefined;
  return {
    text: ((await content.first().locator('p').allTextContents()).map((t) => t.trim())).join('\n'),
    buttons: (await content.first().locator('.monaco-button').allTextContents()).map((b) => b.trim()),
  };
}

/**
 * Rows of a view's tree as rendered now (only rows scrolled into view exist
 * in the DOM); [] when the view shows its welcome content instead. The view
 * must have been opened (e.g. runCommand(page, 'View: Show <Container>')).
 */
export async function treeRows(page: Page, viewTitle: string, timeout = 15_000): Promise<TreeRow[]> {
  const tree = viewTree(page, viewTitle);
  const welcome = viewPane(page, viewTitle).locator('.pane-body.welcome .welcome-view-content');
  let showsWelcome = false;
  await waitUntil(async () => {
    showsWelcome = await welcome.first().isVisible();
    return showsWelcome || (await tree.isVisible());
  }, timeout, `the view '${viewTitle}' to show (open its container first)`);
  if (showsWelcome) return [];
  // Runs in the page: no named inner functions (tsx would wrap them in a __name helper the page lacks).
  const rows: TreeRow[] = await tree.locator('.monaco-list-row').evaluateAll(
    (els) =>
      els.map((el: any) => ({
        label: String(el.querySelector('.label-name')?.textContent ?? '').trim(),
        description: String(el.querySelector('.label-description')?.textContent ?? '').trim(),
        ariaLabel: String(el.getAttribute('aria-label') ?? ''),
        expanded: el.hasAttribute('aria-expanded') ? el.getAttribute('aria-expanded') === 'true' : undefined,
        level: Number(el.getAttribute('aria-level') ?? '1'),
        top: parseFloat(el.style.top || '0'),
      })),
    undefined,
  );
  // The list recycles row elements: DOM order is not screen order.
  return (rows as (TreeRow & { top: number })[])
    .sort((a, b) => a.top - b.top)
    .map(({ top: _top, ...row }) => row);
}

/** "label description" of every rendered row of a view's tree, indented two spaces per level. */
export async function treeRowText(page: Page, viewTitle: string, timeout?: number): Promise<string[]> {
  return (await treeRows(page, viewTitle, timeout)).map(
    (r) => `${'  '.repeat(r.level - 1)}${r.label}${r.description ? ` ${r.description}` : ''}`,
  );
}

/** The row of a view's tree whose label is exactly `label`. */
export function treeRow(page: Page, viewTitle: string, label: string): Locator {
  const exact = new RegExp(`^\\s*${escapeRegExp(label)}\\s*$`);
  return viewTree(page, viewTitle)
    .locator('.monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: exact }) })
    .first();
}

/** Expands a collapsed row and waits until it reports itself expanded. */
export async function expandTreeRow(page: Page, viewTitle: string, label: string): Promise<void> {
  const row = treeRow(page, viewTitle, label);
  await row.waitFor({ state: 'visible', timeout: 15_000 });
  if ((await row.getAttribute('aria-expanded')) === 'false') {
    await row.locator('.monaco-tl-twistie').click();
  }
  await waitUntil(async () => (await row.getAttribute('aria-expanded')) === 'true', 10_000, `'${label}' to expand`);
}

/** Clicks an inline action (the icon buttons shown on hover or selection) of a row, by the action's title. */
export async function clickTreeInlineAction(page: Page, viewTitle: string, label: string, actionTitle: string): Promise<void> {
  const row = treeRow(page, viewTitle, label);
  await row.hover();
  await row.locator(`.actions .action-label[aria-label=${JSON.stringify(actionTitle)}]`).first().click();
}

// ---------------------------------------------------------------------------
// Webviews
// ---------------------------------------------------------------------------

/**
 * The content of the webview on screen (the newest, if several are visible):
 * VS Code nests it as iframe.webview.ready > #active-frame. Locate elements
 * inside with the returned FrameLocator, e.g. `.locator('h1')`.
 */
export function webview(page: Page): FrameLocator {
  return page
    .locator('iframe.webview.ready')
    .filter({ visible: true })
    .last()
    .contentFrame()
    .locator('#active-frame')
    .contentFrame();
}

// ---------------------------------------------------------------------------
// Status bar
// ---------------------------------------------------------------------------

export interface StatusBarItem {
  /** Element id: "<extension id>.<item id>" for window.createStatusBarItem(id, ...), "status.*" for VS Code's own */
  id: string;
  text: string;
  ariaLabel: string;
}

/**
 * Items of the status bar. With `trust: false` VS Code shows
 * `status.workspaceTrust` ("Restricted Mode: ...").
 */
export async function statusBarItems(page: Page): Promise<StatusBarItem[]> {
  return page.locator('.part.statusbar .statusbar-item').evaluateAll(
    (els) =>
      els.map((el: any) => ({
        id: String(el.id ?? ''),
        text: String(el.textContent ?? '').trim(),
        ariaLabel: String(el.getAttribute('aria-label') ?? ''),
      })),
    undefined,
  );
}

// ---------------------------------------------------------------------------
// Logs, screenshots, processes
// ---------------------------------------------------------------------------

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

/** Every log file VS Code wrote for this server (server, extension host, pty host, output channels). */
export function logFiles(server: Pick<CodeServer, 'userDataDir'>): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    if (!fs.existsSync(dir)) return;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.log')) files.push(full);
    }
  };
  walk(path.join(server.userDataDir, 'logs'));
  return files.sort();
}

/**
 * Error entries of the extension host's logs that concern `extensionId` (or
 * any of `alsoMatching`): an `[error]` line plus the stack lines under it,
 * when the entry mentions the id or the extension's install folder. Errors
 * logged to the extension's own log output channels count whatever they say.
 */
export function extensionHostLogErrors(
  server: Pick<CodeServer, 'userDataDir'>,
  extensionId: string,
  alsoMatching: string[] = [],
): string[] {
  const needles = [extensionId, ...alsoMatching].map((n) => n.toLowerCase());
  const errors: string[] = [];
  for (const file of logFiles(server)) {
    const ownChannel = file.split(path.sep).includes(extensionId);
    const text = fs.readFileSync(file, 'utf8');
    for (const entry of logEntries(text)) {
      if (!/^\S+ \S+ \[error\]/.test(entry)) continue;
      const lower = entry.toLowerCase();
      if (ownChannel || needles.some((n) => lower.includes(n))) {
        errors.push(`${path.relative(server.userDataDir, file)}: ${entry}`);
      }
    }
  }
  return errors;
}

/** Text of an extension's output channel as VS Code logged it (plain or log channel), '' if none. */
export function outputChannelText(server: Pick<CodeServer, 'userDataDir'>, channelName: string): string {
  const name = new RegExp(`(^|[-\\d])${escapeRegExp(channelName)}\\.log$`);
  return logFiles(server)
    .filter((f) => name.test(path.basename(f)))
    .map((f) => fs.readFileSync(f, 'utf8'))
    .join('');
}

/** Splits a log into entries: a timestamped line and the untimestamped lines after it. */
function logEntries(text: string): string[] {
  const entries: string[] = [];
  for (const line of text.split('\n')) {
    if (/^\d{4}-\d\d-\d\d[ T]/.test(line) || !entries.length) entries.push(line);
    else entries[entries.length - 1] += `\n${line}`;
  }
  return entries.map((e) => e.trimEnd()).filter(Boolean);
}

/** Pids of live processes whose command line contains `substring` (this process excluded). */
export function processesMatching(substring: string): number[] {
  const pids: number[] = [];
  for (const pid of allPids()) {
    if (pid === process.pid) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmdline.includes(substring)) pids.push(pid);
    } catch {
      /* exited while we looked */
    }
  }
  return pids;
}

interface ProcInfo {
  ppid: number;
  /** start time in clock ticks since boot: tells a pid apart from a later process reusing it */
  start: string;
}

function allPids(): number[] {
  return fs
    .readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map(Number);
}

function readProcs(): Map<number, ProcInfo> {
  const procs = new Map<number, ProcInfo>();
  for (const pid of allPids()) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      // The command name (field 2) may hold spaces and parentheses; the rest follows the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z') continue;
      procs.set(pid, { ppid: Number(fields[1]), start: fields[19] });
    } catch {
      /* exited while we looked */
    }
  }
  return procs;
}

/** Pids of every live descendant of `root`. */
export function descendantsOf(root: number, procs: Map<number, ProcInfo> = readProcs()): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, p] of procs) {
    const list = children.get(p.ppid) ?? [];
    list.push(pid);
    children.set(p.ppid, list);
  }
  const out: number[] = [];
  const queue = [...(children.get(root) ?? [])];
  while (queue.length) {
    const pid = queue.shift()!;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

function pidsWithEnv(entry: string): number[] {
  const pids: number[] = [];
  for (const pid of allPids()) {
    try {
      if (fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(entry)) pids.push(pid);
    } catch {
      /* exited, or not ours to read */
    }
  }
  return pids;
}

// ---------------------------------------------------------------------------
// Test extensions
// ---------------------------------------------------------------------------

/**
 * Writes a throwaway extension (manifest + files) into a temp folder and packs
 * it with @vscode/vsce. Returns the .vsix path. For test-only helper
 * extensions; never ship one inside the product's .vsix.
 */
export async function packTestExtension(manifest: Record<string, unknown>, files: Record<string, string>): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-test-extension-'));
  writeJson(path.join(dir, 'package.json'), manifest);
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
  return packVsix(dir, path.join(dir, `${String(manifest.name)}.vsix`));
}

/** Packs the extension in `dir` into `outFile` with @vscode/vsce (no dependency bundling, no prompts). */
export async function packVsix(dir: string, outFile: string): Promise<string> {
  // Loaded lazily: only tests that pack need it.
  const vsce = require('@vscode/vsce') as {
    createVSIX(options: Record<string, unknown>): Promise<unknown>;
  };
  // vsce reports on the console; keep that out of the test output unless packing fails.
  const chatter: string[] = [];
  const saved = { log: console.log, info: console.info, warn: console.warn };
  console.log = console.info = console.warn = (...args: unknown[]) => void chatter.push(args.join(' '));
  try {
    await vsce.createVSIX({
      cwd: dir,
      packagePath: outFile,
      dependencies: false,
      allowMissingRepository: true,
      skipLicense: true,
    });
  } catch (err) {
    throw new Error(`vsce could not pack ${dir}: ${(err as Error).message}\n${chatter.join('\n')}`);
  } finally {
    Object.assign(console, saved);
  }
  return outFile;
}

// ---------------------------------------------------------------------------
// Small utilities
// ---------------------------------------------------------------------------

/** Polls `check` every 100 ms until it is true; throws after `timeout` (unless `fail` is false). */
export async function waitUntil(
  check: () => Promise<boolean>,
  timeout: number,
  what: string,
  fail = true,
): Promise<boolean> {
  const deadline = Date.now() + timeout;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) {
      if (fail) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
      return false;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function httpStatus(url: string): Promise<number> {
  try {
    const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(2_000) });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

function writeJson(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

function readJsonIfAny(file: string): Record<string, unknown> {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}

function tail(file: string, lines = 30): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

function safeName(name: string): string {
  return name.replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '') || 'screenshot';
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined;
  return () => (result ??= fn());
}
