import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { FILESYSTEM } from '../helpers/everything';
import { startTestTunnel, textOf, type TestTunnel } from '../helpers/tunnel';

describe('tunnel to the filesystem MCP server (server-filesystem over stdio)', function () {
  this.timeout(60_000);
  let dir: string;
  let t: TestTunnel;

  before(async () => {
    dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'mcp-tunnel-fs-')));
    writeFileSync(path.join(dir, 'notes.txt'), 'first line\nsecond line\n');
    t = await startTestTunnel({ target: { kind: 'stdio', channel: 'main', argv: [process.execPath, FILESYSTEM, dir], env: {} } });
  });

  after(async () => {
    await t?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads, writes and lists files of the allowed directory through the relay front door', async () => {
    const { client } = await t.client();
    const allowed = textOf(await client.callTool({ name: 'list_allowed_directories', arguments: {} }));
    assert.ok(allowed?.includes(dir), `allowed: ${allowed}`);
    assert.equal(textOf(await client.callTool({ name: 'read_text_file', arguments: { path: path.join(dir, 'notes.txt') } })), 'first line\nsecond line\n');
    await client.callTool({ name: 'write_file', arguments: { path: path.join(dir, 'written.txt'), content: 'through the tunnel' } });
    assert.equal(readFileSync(path.join(dir, 'written.txt'), 'utf8'), 'through the tunnel');
    const listing = textOf(await client.callTool({ name: 'list_directory', arguments: { path: dir } }));
    assert.match(listing ?? '', /\[FILE\] notes\.txt/);
    assert.match(listing ?? '', /\[FILE\] written\.txt/);
  });

  it('passes the server’s own error for a path outside the allowed directory, not a tunnel failure', async () => {
    const { client } = await t.client();
    const result = await client.callTool({ name: 'read_text_file', arguments: { path: '/etc/hostname' } });
    assert.equal(result.isError, true);
    assert.match(textOf(result) ?? '', /denied|outside|not allowed/i);
    const last = t.engine.trace.list().filter((e) => e.toolName === 'read_text_file').pop()!;
    assert.equal(last.failure, undefined);
  });
});
