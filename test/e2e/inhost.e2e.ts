/**
 * The in-host API suite (test/vscode/suite) run inside code-server's
 * extension host: the suite is bundled into a test-only extension, installed
 * next to mcp-tunnel.vsix (never inside it), run from the palette, and its
 * results come back as JSON through a file. Each in-host test is reported
 * here as a test of its own.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Mocha from 'mocha';
import { bundleTestExtension, TEST_EXTENSION_MANIFEST } from '../vscode/build';
import { EXTENSION_ID, RESULTS_ENV, WORKSPACE_SETTINGS, type InHostResults } from '../vscode/fixture';
import {
  extensionHostLogErrors,
  openWorkbench,
  packageProduct,
  packTestExtension,
  PRODUCT_VSIX,
  runCommand,
  screenshot,
  startCodeServer,
  waitUntil,
  type CodeServer,
  type Workbench,
} from './harness';

const SUITE_TIMEOUT_MS = 180_000;

/** Every message in the notification center (toasts hide; the center keeps them). */
async function notificationCenterMessages(wb: Workbench): Promise<string[]> {
  await runCommand(wb.page, 'Notifications: Show Notifications');
  const messages = wb.page.locator('.notifications-center .notification-list-item-message');
  await messages.first().waitFor({ timeout: 10_000 });
  return (await messages.allTextContents()).map((m) => m.trim());
}

describe('the in-host API suite, in VS Code 1.100 (code-server)', function () {
  this.timeout(300_000);
  let server: CodeServer | undefined;
  let wb: Workbench | undefined;
  let results: InHostResults;
  let tempDir: string;

  before(async function () {
    packageProduct();
    tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-tunnel-inhost-'));
    const testVsix = await packTestExtension(TEST_EXTENSION_MANIFEST, { 'extension.js': await bundleTestExtension() });
    const resultsFile = path.join(tempDir, 'results.json');
    const workspace = path.join(tempDir, 'workspace');
    server = await startCodeServer({
      name: 'inhost',
      workspace,
      vsixPath: PRODUCT_VSIX,
      extraVsix: [testVsix],
      env: { [RESULTS_ENV]: resultsFile },
      workspaceSettings: WORKSPACE_SETTINGS,
    });
    wb = await openWorkbench(server);
    // vscode.env.clipboard is the browser's clipboard here; headless Chromium asks before letting a page read it.
    await wb.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(server.url).origin });
    await runCommand(wb.page, 'MCP Tunnel Tests: Run In-Host Tests');
    await waitUntil(async () => fs.existsSync(resultsFile), SUITE_TIMEOUT_MS, `the in-host suite to write ${resultsFile}`);
    results = JSON.parse(fs.readFileSync(resultsFile, 'utf8')) as InHostResults;
    await screenshot(wb.page, 'inhost-after-suite');

    // One test here per test the extension host ran, so the report lists them all.
    const suite = this.test!.parent!;
    for (const t of results.tests) {
      suite.addTest(
        new Mocha.Test(`in host: ${t.title}`, function (this: Mocha.Context) {
          if (t.state === 'pending') this.skip();
          if (t.state === 'failed') throw new Error(t.error ?? 'failed');
        }),
      );
    }
  });

  after(async () => {
    await wb?.close();
    await server?.stop();
    if (tempDir && !process.env.E2E_KEEP_TEMP) fs.rmSync(tempDir, { recursive: true, force: true });
  });

  it('ran the whole suite in VS Code 1.100 with MCP Tunnel installed', () => {
    assert.equal(results.error, undefined, `the suite could not run: ${results.error}`);
    assert.match(results.vscodeVersion, /^1\.100\./);
    assert.ok(results.passed > 0, 'some tests ran');
    assert.equal(results.failed, 0, `failed in the extension host (details under "in host:"): ${results.tests.filter((t) => t.state === 'failed').map((t) => t.title).join('; ')}`);
  });

  it('showed the errors the suite recorded as notifications in the workbench', async () => {
    const messages = await notificationCenterMessages(wb!);
    assert.ok(messages.some((m) => m.startsWith('Tunnel profile "broken" is invalid')), `notifications: ${JSON.stringify(messages)}`);
    assert.ok(messages.some((m) => m.startsWith('Cannot start "nokey"')), `notifications: ${JSON.stringify(messages)}`);
    await screenshot(wb!.page, 'inhost-notifications');
  });

  it('logged no extension host error but the refused start the suite asked for', () => {
    const errors = extensionHostLogErrors(server!, EXTENSION_ID).filter((e) => !/\[nokey\] cannot start: controlPlane\.apiKey/.test(e));
    assert.deepEqual(errors, [], `extension host errors:\n${errors.join('\n')}`);
  });
});
