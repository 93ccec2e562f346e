import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { INIT_SAMPLES, runInit } from '../../../src/cli/init';
import { loadProfile } from '../../../src/profiles/load';
import { TUNNEL_ID, failure, tempDirPerTest } from '../profiles/support';

describe('mcp-tunnel init', () => {
  let dir: string;
  tempDirPerTest((d) => (dir = d), 'mcp-tunnel-init-');

  for (const sample of INIT_SAMPLES) {
    it(`writes the ${sample} sample as a profile that the YAML loader accepts and validates`, async () => {
      const { file, content } = await runInit({ sample, profile: 'demo', dir, tunnelId: TUNNEL_ID });
      assert.equal(file, path.join(dir, 'demo.yaml'));
      assert.match(content, /^# MCP Tunnel profile "demo"/);
      assert.match(content, /api_key: env:CONTROL_PLANE_API_KEY/);
      const { profile, warnings } = await loadProfile({ profileFile: file, env: {} });
      assert.equal(profile.name, 'demo');
      assert.equal(profile.controlPlane.tunnelId, TUNNEL_ID);
      assert.equal(profile.controlPlane.apiKey, 'env:CONTROL_PLANE_API_KEY');
      assert.equal(profile.mcp.servers[0].channel, 'main');
      assert.deepEqual(warnings, []);
    });
  }

  it('creates the file readable by its owner only', async function () {
    if (process.platform === 'win32') this.skip();
    const { file } = await runInit({ sample: 'stdio-local', profile: 'private', dir });
    assert.equal((await fs.stat(file)).mode & 0o777, 0o600);
  });

  it('uses the given MCP command or URL', async () => {
    const local = await runInit({ sample: 'stdio-local', profile: 'a', dir, tunnelId: TUNNEL_ID, mcpCommand: `python "/srv/my server.py" --stdio` });
    const { profile } = await loadProfile({ profileFile: local.file, env: {} });
    assert.equal(profile.mcp.servers[0].command, 'python "/srv/my server.py" --stdio');

    const remote = await runInit({ sample: 'remote-http', profile: 'b', dir, tunnelId: TUNNEL_ID, mcpServerUrl: 'https://mcp.internal:8443/mcp' });
    assert.equal((await loadProfile({ profileFile: remote.file, env: {} })).profile.mcp.servers[0].url, 'https://mcp.internal:8443/mcp');
  });

  it('leaves the tunnel id as a commented placeholder when none is given', async () => {
    const { file, content } = await runInit({ sample: 'remote-http', profile: 'later', dir });
    assert.match(content, /# tunnel_id: tunnel_<32 lowercase letters or digits>/);
    const error = await failure(loadProfile({ profileFile: file, env: {} }));
    assert.equal(error.field, 'control_plane.tunnel_id');
    const { profile } = await loadProfile({ profileFile: file, env: { CONTROL_PLANE_TUNNEL_ID: TUNNEL_ID } });
    assert.equal(profile.controlPlane.tunnelId, TUNNEL_ID);
  });

  it('refuses to overwrite an existing profile unless forced', async () => {
    const first = await runInit({ sample: 'stdio-local', profile: 'prod', dir });
    await fs.writeFile(first.file, '# my edits\n');
    const error = await failure(runInit({ sample: 'remote-http', profile: 'prod', dir }));
    assert.match(error.fix, /--force/);
    assert.equal(await fs.readFile(first.file, 'utf8'), '# my edits\n');

    await fs.chmod(first.file, 0o644);
    const forced = await runInit({ sample: 'remote-http', profile: 'prod', dir, force: true });
    assert.equal(forced.overwritten, true);
    assert.match(await fs.readFile(first.file, 'utf8'), /server_urls:/);
    if (process.platform !== 'win32') assert.equal((await fs.stat(first.file)).mode & 0o777, 0o600);
  });

  it('writes into the XDG profile directory by default', async () => {
    const { file } = await runInit({ sample: 'stdio-local', profile: 'xdg', env: { XDG_CONFIG_HOME: dir }, homedir: '/nonexistent' });
    assert.equal(file, path.join(dir, 'tunnel-client', 'xdg.yaml'));
    const { profile } = await loadProfile({ profileName: 'xdg', env: { XDG_CONFIG_HOME: dir, CONTROL_PLANE_TUNNEL_ID: TUNNEL_ID }, homedir: '/nonexistent' });
    assert.equal(profile.name, 'xdg');
  });

  it('rejects bad options before writing anything', async () => {
    assert.equal((await failure(runInit({ sample: 'stdio-local', profile: 'x', dir, tunnelId: 'tunnel_nope' }))).field, '--tunnel-id');
    assert.equal((await failure(runInit({ sample: 'stdio-local', profile: '../escape', dir }))).field, '--profile');
    assert.equal((await failure(runInit({ sample: 'remote-http', profile: 'x', dir, mcpCommand: 'node s.js' }))).field, '--mcp-command');
    const url = await failure(runInit({ sample: 'remote-http', profile: 'x', dir, mcpServerUrl: 'ftp://x/mcp' }));
    assert.equal(url.field, 'mcp.server_urls[0].url');
    assert.equal((await failure(runInit({ sample: 'nope' as never, profile: 'x', dir }))).field, '--sample');
    assert.deepEqual(await fs.readdir(dir), []);
  });
});
