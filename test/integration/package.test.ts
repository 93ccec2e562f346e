/**
 * The CLI as npm ships it: `npm pack` holds the bundled `dist/cli.js` and
 * the sample server and nothing of the sources, and the installed
 * `mcp-tunnel` runs with no node_modules anywhere around it.
 */
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from '../helpers/everything';

const run = promisify(execFile);

describe('the npm package', function () {
  this.timeout(120_000);

  it('packs only the bundled CLI, and its tarball installs globally offline into a working mcp-tunnel (--version, demo --once)', async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; bin: Record<string, string>; scripts: Record<string, string> };
    assert.equal(pkg.bin['mcp-tunnel'], 'dist/cli.js');
    assert.match(pkg.scripts.prepack, /esbuild\.mjs --production/, 'a tarball packed from a clean clone is built first');

    const tmp = mkdtempSync(join(tmpdir(), 'mcp-tunnel-pack-'));
    // dist/ is built by the test run; --ignore-scripts keeps prepack from rebuilding it under the other tests.
    const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], { cwd: ROOT });
    const [{ filename, files }] = JSON.parse(packed.stdout) as [{ filename: string; files: { path: string }[] }];
    const paths = files.map((f) => f.path).sort();
    for (const needed of ['dist/cli.js', 'dist/sample-server.js', 'package.json', 'README.md', 'LICENSE']) assert.ok(paths.includes(needed), needed);
    assert.deepEqual(paths.filter((p) => !/^(dist\/(cli|sample-server)\.js(\.map)?|package\.json|README\.md|LICENSE|CHANGELOG\.md)$/.test(p)), [], 'nothing else ships');

    // As `npm install -g` does it, from the tarball, offline: the bundle needs no dependency at run time.
    const prefix = join(tmp, 'prefix');
    await run('npm', ['install', '--global', '--prefix', prefix, join(tmp, filename), '--offline', '--no-audit', '--no-fund'], { cwd: tmp });
    const bin = join(prefix, 'bin', 'mcp-tunnel');
    const env = { PATH: process.env.PATH, HOME: tmp };

    const version = await run(bin, ['--version'], { cwd: tmp, env });
    assert.equal(version.stdout.trim(), pkg.version);
    const demo = await run(bin, ['demo', '--once'], { cwd: tmp, env, timeout: 60_000 });
    assert.match(demo.stdout, /→ "hello through the tunnel"/);
  });
});
