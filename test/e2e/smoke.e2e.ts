/**
 * Proves the real-editor harness: a throwaway extension, packed on the fly and
 * installed into code-server, is driven through the palette, a quick pick, a
 * password input box, a tree view with an inline action and notifications.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  answerDialog,
  clearNotifications,
  clickNotificationButton,
  clickTreeInlineAction,
  expandTreeRow,
  extensionHostLogErrors,
  openWorkbench,
  outputChannelText,
  notificationDetails,
  packTestExtension,
  processesMatching,
  quickPick,
  runCommand,
  screenshot,
  startCodeServer,
  statusBarItems,
  treeRows,
  treeRowText,
  viewWelcome,
  webview,
  waitForDialog,
  waitForNotification,
  type CodeServer,
  type Workbench,
} from './harness';

const EXTENSION_ID = 'e2e-harness.e2e-smoke';

const manifest = {
  name: 'e2e-smoke',
  displayName: 'E2E Smoke',
  publisher: 'e2e-harness',
  version: '0.0.1',
  license: 'MIT',
  engines: { vscode: '^1.100.0' },
  main: './extension.js',
  activationEvents: ['onCommand:e2eSmoke.hello', 'onView:e2eSmoke.items'],
  contributes: {
    commands: [
      { command: 'e2eSmoke.hello', title: 'Hello', category: 'E2E Smoke' },
      { command: 'e2eSmoke.ask', title: 'Ask', category: 'E2E Smoke' },
      { command: 'e2eSmoke.spawn', title: 'Spawn Sleeper', category: 'E2E Smoke' },
      { command: 'e2eSmoke.fail', title: 'Fail', category: 'E2E Smoke' },
      { command: 'e2eSmoke.panel', title: 'Open Panel', category: 'E2E Smoke' },
      { command: 'e2eSmoke.poke', title: 'Poke', icon: '$(play)' },
    ],
    viewsContainers: { activitybar: [{ id: 'e2eSmoke', title: 'E2E Smoke', icon: 'media/icon.svg' }] },
    views: {
      e2eSmoke: [
        { id: 'e2eSmoke.items', name: 'Smoke Items' },
        { id: 'e2eSmoke.empty', name: 'Smoke Empty' },
      ],
    },
    viewsWelcome: [{ view: 'e2eSmoke.empty', contents: 'Nothing here yet.\n[Say Hello](command:e2eSmoke.hello)' }],
    menus: {
      'view/item/context': [{ command: 'e2eSmoke.poke', when: 'view == e2eSmoke.items', group: 'inline' }],
      commandPalette: [{ command: 'e2eSmoke.poke', when: 'false' }],
    },
  },
};

const extensionJs = `
const vscode = require('vscode');
const { spawn } = require('child_process');

const items = [
  { label: 'alpha', description: 'first', children: [{ label: 'alpha-1', description: 'child' }] },
  { label: 'beta', description: 'second' },
];

exports.activate = (context) => {
  const out = vscode.window.createOutputChannel('E2E Smoke');
  const tree = {
    getChildren: (item) => (item ? item.children || [] : items),
    getTreeItem: (item) => {
      const ti = new vscode.TreeItem(item.label, item.children
        ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
      ti.description = item.description;
      return ti;
    },
  };
  context.subscriptions.push(
    out,
    vscode.window.registerTreeDataProvider('e2eSmoke.items', tree),
    vscode.window.registerTreeDataProvider('e2eSmoke.empty', { getChildren: () => [], getTreeItem: (i) => i }),
    vscode.commands.registerCommand('e2eSmoke.hello', () => {
      out.appendLine('hello was run');
      vscode.window.showInformationMessage('Hello from the E2E smoke extension', 'Again').then((choice) => {
        if (choice === 'Again') vscode.window.showWarningMessage('Hello again');
      });
    }),
    vscode.commands.registerCommand('e2eSmoke.ask', async () => {
      const secret = await vscode.window.showInputBox({ prompt: 'Smoke secret', password: true });
      const letter = await vscode.window.showQuickPick(['alpha', 'beta', 'gamma'], { placeHolder: 'Pick a letter' });
      vscode.window.showInformationMessage('Got a ' + (secret || '').length + '-character secret and ' + letter);
    }),
    vscode.commands.registerCommand('e2eSmoke.spawn', () => {
      spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', 'e2e-smoke-sleeper'], { stdio: 'ignore' });
      vscode.window.showInformationMessage('Sleeper started');
    }),
    vscode.commands.registerCommand('e2eSmoke.fail', () => {
      throw new Error('e2e smoke failure on purpose');
    }),
    vscode.commands.registerCommand('e2eSmoke.panel', () => {
      const panel = vscode.window.createWebviewPanel('e2eSmoke.panel', 'Smoke Panel', vscode.ViewColumn.One, {
        enableScripts: true,
      });
      panel.webview.onDidReceiveMessage((m) => vscode.window.showInformationMessage('Panel says ' + m.text));
      panel.webview.html = '<!DOCTYPE html><html><body><h1>Smoke panel</h1>' +
        '<button id="send" onclick="acquireVsCodeApi().postMessage({ text: \\'hi\\' })">Send</button></body></html>';
    }),
    vscode.commands.registerCommand('e2eSmoke.poke', (item) => {
      vscode.window.showInformationMessage('Poked ' + (item ? item.label : 'nothing'));
    }),
  );
};
`;

const iconSvg =
  '<svg xmlns="http://www.w3.org/2000/svg" width="24" height="24" viewBox="0 0 24 24">' +
  '<circle cx="12" cy="12" r="8" fill="none" stroke="currentColor" stroke-width="2"/></svg>';

describe('real editor harness (code-server + Chromium)', function () {
  this.timeout(180_000);
  let server: CodeServer | undefined;
  let workbench: Workbench | undefined;
  const timings: Record<string, number> = {};
  const scratch: string[] = [];

  before(async function () {
    const t0 = Date.now();
    const vsix = await packTestExtension(manifest, {
      'extension.js': extensionJs,
      'media/icon.svg': iconSvg,
      'README.md': '# E2E Smoke\n\nA throwaway extension that proves the e2e harness.\n',
    });
    timings.pack = Date.now() - t0;
    const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-smoke-workspace-'));
    scratch.push(path.dirname(vsix), workspace);
    const t1 = Date.now();
    server = await startCodeServer({ workspace, vsixPath: vsix, name: 'smoke' });
    timings.codeServerStart = Date.now() - t1;
    const t2 = Date.now();
    workbench = await openWorkbench(server);
    timings.workbenchReady = Date.now() - t2;
  });

  after(async function () {
    await workbench?.close();
    await server?.stop();
    for (const dir of scratch) fs.rmSync(dir, { recursive: true, force: true });
    console.log(`      timings (ms): ${JSON.stringify(timings)}`);
  });

  it('runs a contributed command from the palette and shows its notification', async function () {
    const { page } = workbench!;
    const t0 = Date.now();
    await runCommand(page, 'E2E Smoke: Hello');
    const message = await waitForNotification(page, 'Hello from the E2E smoke extension');
    timings.commandToNotification = Date.now() - t0;
    assert.equal(message, 'Hello from the E2E smoke extension');
    assert.deepEqual((await notificationDetails(page))[0], {
      message: 'Hello from the E2E smoke extension',
      severity: 'info',
      source: 'Source: E2E Smoke',
      buttons: ['Again'],
    });
    const file = await screenshot(page, 'smoke-hello');
    assert.ok(fs.statSync(file).size > 10_000, 'the screenshot has content');
    assert.match(outputChannelText(server!, 'E2E Smoke'), /hello was run/);
    assert.deepEqual(extensionHostLogErrors(server!, EXTENSION_ID), []);
    assert.ok(!(await statusBarItems(page)).some((i) => i.id === 'status.workspaceTrust'), 'trust is off by default');

    await clickNotificationButton(page, 'Hello from the E2E smoke extension', 'Again');
    await waitForNotification(page, 'Hello again');
    const again = (await notificationDetails(page)).find((n) => n.message === 'Hello again');
    assert.equal(again?.severity, 'warning');
  });

  it('answers a password input box and a quick pick', async function () {
    const { page } = workbench!;
    await clearNotifications(page);
    await runCommand(page, 'E2E Smoke: Ask');
    const qp = quickPick(page);
    await qp.waitFor('Smoke secret');
    await qp.fill('s3cret-value', { password: true });
    await qp.waitFor('Pick a letter');
    assert.deepEqual(await qp.items(), ['alpha', 'beta', 'gamma']);
    await qp.pick('beta');
    await waitForNotification(page, 'Got a 12-character secret and beta');
  });

  it('reads, expands and acts on the rows of a tree view', async function () {
    const { page } = workbench!;
    await clearNotifications(page);
    await runCommand(page, 'View: Show E2E Smoke');
    assert.deepEqual(await waitForRows(page, 'Smoke Items', 2), ['alpha first', 'beta second']);
    await expandTreeRow(page, 'Smoke Items', 'alpha');
    assert.deepEqual(await waitForRows(page, 'Smoke Items', 3), ['alpha first', '  alpha-1 child', 'beta second']);
    assert.deepEqual(await treeRows(page, 'Smoke Empty'), []);
    assert.deepEqual(await viewWelcome(page, 'Smoke Empty'), { text: 'Nothing here yet.', buttons: ['Say Hello'] });
    await clickTreeInlineAction(page, 'Smoke Items', 'beta', 'Poke');
    await waitForNotification(page, 'Poked beta');
    await screenshot(page, 'smoke-tree');
  });

  it('reads and clicks inside a webview panel', async function () {
    const { page } = workbench!;
    await clearNotifications(page);
    await runCommand(page, 'E2E Smoke: Open Panel');
    const view = webview(page);
    assert.equal(await view.locator('h1').textContent(), 'Smoke panel');
    await view.locator('#send').click();
    await waitForNotification(page, 'Panel says hi');
    await screenshot(page, 'smoke-webview');
  });

  it('finds extension host errors and child processes of the extension', async function () {
    const { page } = workbench!;
    await runCommand(page, 'E2E Smoke: Spawn Sleeper');
    await waitForNotification(page, 'Sleeper started');
    assert.equal(processesMatching('e2e-smoke-sleeper').length, 1);

    await runCommand(page, 'E2E Smoke: Fail');
    const shown = await waitForDialog(page);
    assert.equal(shown.message, "Command 'E2E Smoke: Fail' resulted in an error");
    assert.equal(shown.detail, 'e2e smoke failure on purpose');
    await answerDialog(page, 'OK');
    const errors = await waitForValue(() => extensionHostLogErrors(server!, EXTENSION_ID), (e) => e.length > 0);
    assert.match(errors.join('\n'), /e2e smoke failure on purpose/);

    await workbench!.close();
    await server!.stop();
    assert.deepEqual(processesMatching('e2e-smoke-sleeper'), [], 'stop() leaves no process behind');
    assert.equal(processesMatching(server!.userDataDir).length, 0);
  });
});

describe('real editor harness, untrusted folder', function () {
  this.timeout(180_000);

  it('opens the folder in Restricted Mode when trust is false', async function () {
    const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-smoke-untrusted-'));
    const server = await startCodeServer({ workspace, trust: false, name: 'smoke-untrusted' });
    try {
      const workbench = await openWorkbench(server);
      try {
        const trust = (await statusBarItems(workbench.page)).find((i) => i.id === 'status.workspaceTrust');
        assert.match(trust?.ariaLabel ?? '', /^Restricted Mode/);
        await screenshot(workbench.page, 'smoke-untrusted');
      } finally {
        await workbench.close();
      }
    } finally {
      await server.stop();
      fs.rmSync(workspace, { recursive: true, force: true });
    }
  });
});

async function waitForRows(page: Workbench['page'], view: string, count: number): Promise<string[]> {
  return waitForValue(() => treeRowText(page, view), (rows) => rows.length === count);
}

async function waitForValue<T>(get: () => T | Promise<T>, ok: (v: T) => boolean, timeout = 15_000): Promise<T> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await get();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
}
