/**
 * `mcp-tunnel admin tunnels …` and `mcp-tunnel admin-profiles …`, run as the
 * built CLI against the relay's admin API: every subcommand, the key split
 * (a runtime key refused on management, an admin key refused on poll), and
 * saved admin-key references that are never the key itself.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Relay } from '../../src/relay/relay';
import { runCli, startCli, type CliProcess } from '../helpers/cli';

describe('mcp-tunnel admin: tunnel management against the relay', function () {
  this.timeout(60_000);
  let relay: Relay;
  let url: string;
  let stateDir: string;
  const running: CliProcess[] = [];

  before(async () => {
    relay = new Relay({ frontDoorAuth: 'none', organizationId: 'org_test', workspaceId: 'ws_test' });
    url = (await relay.start()).url;
  });
  after(() => relay.close());
  beforeEach(() => {
    stateDir = mkdtempSync(join(tmpdir(), 'mcp-tunnel-admin-state-'));
  });
  afterEach(() => {
    for (const p of running.splice(0)) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  });

  const asAdmin = (): NodeJS.ProcessEnv => ({ OPENAI_ADMIN_KEY: relay.adminKey, CONTROL_PLANE_BASE_URL: url, TUNNEL_CLIENT_STATE_DIR: stateDir });
  const admin = (args: string[], env: NodeJS.ProcessEnv = asAdmin()) => runCli(['admin', 'tunnels', ...args], env);

  it('creates, lists, gets, updates and deletes a tunnel, in text and in the API JSON', async () => {
    const created = await admin(['create', '--name', 'Docs MCP', '--description', 'Docs server', '--workspace-id', 'ws_test', '--json']);
    assert.equal(created.code, 0, created.stderr);
    const tunnel = JSON.parse(created.stdout) as { id: string; name: string; description: string; workspace_ids: string[] };
    assert.match(tunnel.id, /^tunnel_[a-z0-9]{32}$/);
    assert.equal(tunnel.name, 'Docs MCP');
    assert.deepEqual(tunnel.workspace_ids, ['ws_test']);

    const listed = await admin(['list', '--workspace-id', 'ws_test']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(`^Tunnel ${tunnel.id}\\n  Name: Docs MCP\\n  Description: Docs server\\n`, 'm'));
    assert.match(listed.stdout, new RegExp(`^Tunnel ${relay.tunnelId}$`, 'm'), 'the relay\'s own tunnel is in its workspace too');

    const updated = await admin(['update', tunnel.id, '--name', 'Docs (prod)', '--json']);
    assert.equal(updated.code, 0, updated.stderr);
    assert.equal(JSON.parse(updated.stdout).name, 'Docs (prod)');
    assert.equal(JSON.parse(updated.stdout).description, 'Docs server', 'fields not given keep their value');

    const got = await admin(['get', tunnel.id]);
    assert.equal(got.code, 0, got.stderr);
    assert.match(got.stdout, /Name: Docs \(prod\)\n {2}Description: Docs server\n {2}Organizations: \n {2}Workspaces: ws_test$/);

    const refused = await admin(['delete', tunnel.id]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /refusing to delete without --confirm/);
    const deleted = await admin(['delete', tunnel.id, '--confirm']);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.match(deleted.stdout, new RegExp(`^Tunnel ${tunnel.id}$`, 'm'));
    const gone = await admin(['get', tunnel.id, '--json']);
    assert.equal(gone.code, 1);
    const error = JSON.parse(gone.stdout).error;
    assert.equal(error.status_code, 404);
    assert.equal(error.code, 'tunnel_not_found');
    assert.match(error.message, /no such tunnel: check the tunnel id/);
  });

  it('a tunnel created with the admin key is polled with the runtime key: mcp-tunnel run reaches ready on it, and is told why once the tunnel is deleted', async () => {
    const created = await admin(['create', '--name', 'Pollable', '--description', 'd', '--workspace-id', 'ws_test', '--json']);
    const id = JSON.parse(created.stdout).id as string;
    const run = startCli(['run', '--embedded-mcp-stub'], { CONTROL_PLANE_BASE_URL: url, CONTROL_PLANE_TUNNEL_ID: id, CONTROL_PLANE_API_KEY: relay.apiKey });
    running.push(run);
    const ready = await run.waitForLog(/tunnel ready/);
    assert.match(ready, /Pollable/);
    // Deleted under a running tunnel: its polls are refused, and the log says why.
    assert.equal((await admin(['delete', id, '--confirm'])).code, 0);
    await run.waitForLog(/refused the poll request with 403 \(tunnel_use_forbidden\): the relay has no tunnel with this id that the key may use \(never created, deleted/);
  });

  it('refuses a runtime key for list, create, update and delete with 403 naming the admin key and Tunnels Manage; get works with it', async () => {
    const runtime = { OPENAI_ADMIN_KEY: relay.apiKey, CONTROL_PLANE_BASE_URL: url, TUNNEL_CLIENT_STATE_DIR: stateDir };
    for (const args of [['list', '--workspace-id', 'ws_test'], ['create', '--name', 'n', '--description', 'd', '--workspace-id', 'ws_test'], ['update', relay.tunnelId, '--name', 'x'], ['delete', relay.tunnelId, '--confirm']]) {
      const r = await admin(args, runtime);
      assert.equal(r.code, 1, args.join(' '));
      assert.match(r.stderr, /failed: 403 \(tunnel_manage_forbidden\)/);
      assert.match(r.stderr, /needs an admin key with Tunnels Read \+ Manage/);
      assert.match(r.stderr, /does not start with sk-admin-: is it a runtime key\?/);
      assert.ok(!r.stderr.includes(relay.apiKey), 'the key is never printed');
    }
    const got = await admin(['get', relay.tunnelId], { CONTROL_PLANE_API_KEY: relay.apiKey, CONTROL_PLANE_BASE_URL: url, TUNNEL_CLIENT_STATE_DIR: stateDir });
    assert.equal(got.code, 0, got.stderr);
    assert.match(got.stdout, new RegExp(`^Tunnel ${relay.tunnelId}$`, 'm'));
    const list = await admin(['list', '--workspace-id', 'ws_test'], { CONTROL_PLANE_API_KEY: relay.apiKey, CONTROL_PLANE_BASE_URL: url, TUNNEL_CLIENT_STATE_DIR: stateDir });
    assert.equal(list.code, 2);
    assert.match(list.stderr, /an admin key is required \(Tunnels Read \+ Manage\).*only works for admin tunnels get/);
  });

  it('an admin key may not poll: mcp-tunnel run with it is refused, naming the runtime key and Tunnels Use', async () => {
    const res = await fetch(`${url}/v1/tunnels/${relay.tunnelId}/poll?timeout_ms=1`, { headers: { Authorization: `Bearer ${relay.adminKey}` } });
    assert.equal(res.status, 403);
    const body = (await res.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'admin_key_not_allowed');
    assert.match(body.error.message, /runtime key with Tunnels Read \+ Use \(CONTROL_PLANE_API_KEY/);
    // The engine itself never even sends it: an admin key is refused as the runtime key.
    const run = await runCli(['run', '--embedded-mcp-stub'], { CONTROL_PLANE_BASE_URL: url, CONTROL_PLANE_TUNNEL_ID: relay.tunnelId, CONTROL_PLANE_API_KEY: relay.adminKey }, 20_000);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /admin key/);
  });

  it('answers 401 for an unknown key, naming both keys the relay printed', async () => {
    const r = await admin(['list', '--organization-id', 'org_test'], { OPENAI_ADMIN_KEY: 'sk-admin-not-this-one', CONTROL_PLANE_BASE_URL: url, TUNNEL_CLIENT_STATE_DIR: stateDir });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /failed: 401 \(invalid_api_key\)/);
    assert.match(r.stderr, /the admin key was not accepted: check that the admin_key `mcp-tunnel relay` printed/);
  });

  it('403s an organization the admin key does not belong to; a tunnel of another workspace is visible to the admin key but refused to the runtime key', async () => {
    const other = await admin(['list', '--organization-id', 'org_other']);
    assert.equal(other.code, 1);
    assert.match(other.stderr, /403 \(organization_forbidden\).*belongs to organization org_test, not org_other/);
    assert.match(other.stderr, /--organization-id \/ --workspace-id must name the organization/);

    const created = await admin(['create', '--name', 'Elsewhere', '--description', 'd', '--workspace-id', 'ws_other', '--json']);
    const id = JSON.parse(created.stdout).id as string;
    const asRuntime = await admin(['get', id], { CONTROL_PLANE_API_KEY: relay.apiKey, CONTROL_PLANE_BASE_URL: url, TUNNEL_CLIENT_STATE_DIR: stateDir });
    assert.equal(asRuntime.code, 1);
    assert.match(asRuntime.stderr, /403 \(tunnel_use_forbidden\).*belongs to workspace ws_other, the key to workspace ws_test/);
    assert.match(asRuntime.stderr, /attached to the organization and workspace of the key/);
    const moved = await admin(['update', id, '--workspace-id', 'ws_test']);
    assert.equal(moved.code, 0, moved.stderr);
    const nowVisible = await admin(['get', id], { CONTROL_PLANE_API_KEY: relay.apiKey, CONTROL_PLANE_BASE_URL: url, TUNNEL_CLIENT_STATE_DIR: stateDir });
    assert.equal(nowVisible.code, 0, nowVisible.stderr);
  });

  it('says what is missing before calling anything: no key, a literal --admin-key, no scope, no filter, two filters, no id', async () => {
    const cases: Array<[string[], NodeJS.ProcessEnv, RegExp]> = [
      [['list', '--workspace-id', 'ws_test'], { TUNNEL_CLIENT_STATE_DIR: stateDir }, /an admin key is required/],
      [['list', '--workspace-id', 'ws_test', '--admin-key', 'sk-admin-literal'], { TUNNEL_CLIENT_STATE_DIR: stateDir }, /--admin-key takes a reference \(env:NAME or file:PATH\), never the key itself/],
      [['create', '--name', 'n', '--description', 'd'], asAdmin(), /at least one of --organization-id or --workspace-id is required/],
      [['create', '--description', 'd', '--workspace-id', 'w'], asAdmin(), /name is required \(set --name\)/],
      [['list'], asAdmin(), /exactly one of --organization-id, --workspace-id or --tenant-id/],
      [['list', '--organization-id', 'o', '--workspace-id', 'w'], asAdmin(), /exactly one of/],
      [['get'], asAdmin(), /admin tunnels get needs a tunnel id/],
      [['update', relay.tunnelId], asAdmin(), /provide at least one field to update/],
      [['list', '--workspace-id', 'a', '--workspace-id', 'a', '--tenant-id', 't'], asAdmin(), /duplicate --workspace-id values: a/],
      [['frobnicate'], asAdmin(), /admin tunnels needs get, list, create, update or delete, not "frobnicate"/],
    ];
    for (const [args, env, pattern] of cases) {
      const r = await admin(args, env);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, pattern, args.join(' '));
    }
    assert.equal(relay.stats().polls >= 0, true);
  });

  it('reads the admin key from --admin-key env:NAME and file:PATH', async () => {
    const keyFile = join(stateDir, 'admin.key');
    writeFileSync(keyFile, `${relay.adminKey}\n`, { mode: 0o600 });
    for (const ref of [`file:${keyFile}`, 'env:MY_ADMIN']) {
      const r = await admin(['list', '--organization-id', 'org_test', '--admin-key', ref, '--json'], { MY_ADMIN: relay.adminKey, CONTROL_PLANE_BASE_URL: url, TUNNEL_CLIENT_STATE_DIR: stateDir });
      assert.equal(r.code, 0, r.stderr);
      assert.ok((JSON.parse(r.stdout) as { tunnels: Array<{ id: string }> }).tunnels.some((t) => t.id === relay.tunnelId));
    }
  });

  describe('admin-profiles', () => {
    const profiles = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli(['admin-profiles', ...args], { TUNNEL_CLIENT_STATE_DIR: stateDir, ...env });

    it('saves env: and file: references (never a key), lists, activates and deletes them; admin commands use the active one', async () => {
      const keyFile = join(stateDir, 'admin.key');
      writeFileSync(keyFile, relay.adminKey, { mode: 0o600 });
      assert.equal((await profiles(['set', 'Work_Main', '--admin-key', 'env:WORK_ADMIN', '--base-url', url])).code, 0);
      const second = await profiles(['set', 'local', '--admin-key', `file:${keyFile}`, '--base-url', url, '--no-activate']);
      assert.equal(second.code, 0, second.stderr);
      const listed = await profiles(['list']);
      assert.match(listed.stdout, new RegExp(`^work-main\\t${url}\\t\\(active\\)$`, 'm'));
      assert.match(listed.stdout, new RegExp(`^local\\t${url}$`, 'm'));
      assert.match(second.stdout, new RegExp(`^Saved admin profile local \\(${url}\\)$`));
      const saved = readFileSync(join(stateDir, 'admin_profiles.yaml'), 'utf8');
      assert.ok(!saved.includes(relay.adminKey), 'the key itself is never written');
      assert.equal(JSON.parse(saved).active_profile, 'work-main');

      const viaProfile = await admin(['list', '--workspace-id', 'ws_test'], { WORK_ADMIN: relay.adminKey, TUNNEL_CLIENT_STATE_DIR: stateDir });
      assert.equal(viaProfile.code, 0, viaProfile.stderr);
      assert.match(viaProfile.stdout, new RegExp(`Tunnel ${relay.tunnelId}`));
      const unset = await admin(['list', '--workspace-id', 'ws_test'], { TUNNEL_CLIENT_STATE_DIR: stateDir });
      assert.equal(unset.code, 2);
      assert.match(unset.stderr, /WORK_ADMIN/);

      const byName = await admin(['list', '--workspace-id', 'ws_test'], { TUNNEL_MCP_ADMIN_PROFILE: 'local', TUNNEL_CLIENT_STATE_DIR: stateDir });
      assert.equal(byName.code, 0, byName.stderr);
      assert.equal((await profiles(['activate', 'local'])).code, 0);
      assert.equal((await admin(['list', '--workspace-id', 'ws_test'], { TUNNEL_CLIENT_STATE_DIR: stateDir })).code, 0);

      const json = JSON.parse((await profiles(['list', '--json'])).stdout) as { active_profile: string; profiles: Array<{ name: string; active: boolean }> };
      assert.equal(json.active_profile, 'local');
      assert.deepEqual(json.profiles.map((p) => [p.name, p.active]), [['local', true], ['work-main', false]]);

      const deleted = await profiles(['delete', 'local']);
      assert.equal(deleted.code, 0);
      assert.equal(JSON.parse(readFileSync(join(stateDir, 'admin_profiles.yaml'), 'utf8')).active_profile, 'work-main', 'the next profile becomes active');
      const unknown = await profiles(['activate', 'local']);
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /admin profile local is not known: the saved ones are work-main/);
    });

    it('refuses a literal key, and says so without writing anything', async () => {
      const r = await profiles(['set', 'bad', '--admin-key', 'sk-admin-abcdefghijklmnop']);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /must be a reference, env:NAME or file:\/path, never the key itself/);
      assert.ok(!r.stderr.includes('abcdefghijklmnop'));
      assert.match((await profiles(['list'])).stdout, /^No admin profiles found in /);
      const empty = await profiles(['set', 'bad', '--admin-key', 'env:']);
      assert.match(empty.stderr, /"env:" needs a variable name/);
    });
  });

  it('mcp-tunnel relay --print-json prints the admin key beside the runtime key, and its scope', async () => {
    const p = startCli(['relay', '--print-json', '--organization-id', 'org_a', '--workspace-id', 'ws_a']);
    running.push(p);
    const info = await p.json();
    assert.match(info.admin_key, /^sk-admin-/);
    assert.notEqual(info.admin_key, info.api_key);
    assert.equal(info.organization_id, 'org_a');
    assert.equal(info.workspace_id, 'ws_a');
    const r = await runCli(['admin', 'tunnels', 'list', '--workspace-id', 'ws_a', '--json'], { OPENAI_ADMIN_KEY: info.admin_key, CONTROL_PLANE_BASE_URL: info.control_plane_base_url, TUNNEL_CLIENT_STATE_DIR: stateDir });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual((JSON.parse(r.stdout) as { tunnels: Array<{ id: string }> }).tunnels.map((t) => t.id), [info.tunnel_id]);
  });
});
