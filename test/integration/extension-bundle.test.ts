/**
 * The extension's files as the .vsix ships them (a production build): the
 * activation file is small and loads alone, every module it defers is in
 * dist/extension-deferred.js, and dist/relay.js is the relay the editor forks.
 */
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from '../helpers/everything';
import { spawnLines, userEnv } from '../helpers/spawn';

const run = promisify(execFile);

/** Loads the activation file under a stand-in `vscode`, then each deferred module it names; prints what happened as JSON. */
const LOADER = `
const Module = require('node:module');
const path = require('node:path');
const stub = () => new Proxy(function () {}, { get: (_t, p) => (p === 'then' ? undefined : stub()), apply: () => stub(), construct: () => stub() });
const load = Module._load;
Module._load = function (request, ...rest) { return request === 'vscode' ? stub() : load.call(this, request, ...rest); };
const file = process.argv[1];
const exported = Object.keys(require(file));
const loadedWithIt = Object.keys(require.cache).filter((f) => f !== file).map((f) => path.basename(f));
const keys = [...require('node:fs').readFileSync(file, 'utf8').matchAll(/require\\("\\.\\/extension-deferred\\.js"\\)\\["([^"]+)"\\]/g)].map((m) => m[1]);
const deferred = require(path.join(path.dirname(file), 'extension-deferred.js'));
const modules = Object.fromEntries(keys.map((k) => [k, Object.keys(deferred[k] ?? {}).length]));
process.stdout.write(JSON.stringify({ exported, loadedWithIt, modules }) + '\\n');
`;

describe('the extension bundle as it ships', function () {
  this.timeout(120_000);
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mcp-tunnel-extension-bundle-'));
    await run(process.execPath, [join(ROOT, 'esbuild.mjs'), '--production', '--only', 'extension', '--outdir', join(dir, 'dist')], { cwd: ROOT });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('activates from a file of at most 600 KiB that loads nothing else, and finds every module it defers, with its exports, in extension-deferred.js', async () => {
    const file = join(dir, 'dist', 'extension.js');
    assert.ok(statSync(file).size <= 600 * 1024, `dist/extension.js is ${Math.round(statSync(file).size / 1024)} KiB`);
    const { stdout } = await run(process.execPath, ['-e', LOADER, file], { cwd: dir });
    const result = JSON.parse(stdout) as { exported: string[]; loadedWithIt: string[]; modules: Record<string, number> };
    assert.deepEqual(result.exported.sort(), ['activate', 'deactivate']);
    assert.deepEqual(result.loadedWithIt, [], 'loading the activation file read no other file');
    for (const name of ['src/profiles/schema', 'src/doctor/index', 'src/engine/adminClient', 'src/extension/addProfile']) assert.ok(name in result.modules, `${name} is deferred`);
    for (const [name, exports] of Object.entries(result.modules)) assert.ok(exports > 0, `${name} loads from extension-deferred.js with its exports`);
    assert.doesNotMatch(readFileSync(file, 'utf8'), /ZodError|undici/, 'zod and undici stay out of the activation file');
  });

  it('ships the relay the editor forks: dist/relay.js prints where it listens, as mcp-tunnel relay does, and refuses other commands', async () => {
    const relay = spawnLines(process.execPath, [join(ROOT, 'dist', 'relay.js'), 'relay', '--print-json', '--api-key', 'env:RELAY_KEY', '--log-level', 'warn'], { env: userEnv({ RELAY_KEY: 'k'.repeat(32) }) });
    try {
      const info = await relay.json<Record<string, string>>(20_000);
      assert.match(info.control_plane_base_url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.match(info.mcp_url, /\/v1\/mcp\//);
      assert.ok(info.tunnel_id);
    } finally {
      relay.child.kill('SIGTERM');
      await relay.exited;
    }
    const other = await run(process.execPath, [join(ROOT, 'dist', 'relay.js'), 'run']).catch((err: { code: number; stderr: string }) => err);
    assert.equal((other as { code: number }).code, 2);
    assert.match((other as { stderr: string }).stderr, /runs "relay" only.*dist\/cli\.js/);
  });
});
