import { strict as assert } from 'node:assert';
import { AdminClient, AdminRequestError, adminTriage } from '../../../src/engine/adminClient';
import { Relay } from '../../../src/relay/relay';

describe('relay admin API (through the admin client)', () => {
  let relay: Relay;
  let url: string;
  let admin: AdminClient;
  before(async () => {
    relay = new Relay({ frontDoorAuth: 'none', organizationId: 'org_u', workspaceId: 'ws_u', tunnelName: 'Own' });
    url = (await relay.start()).url;
    admin = new AdminClient({ baseUrl: url, key: relay.adminKey, keyKind: 'admin' });
  });
  after(async () => {
    await admin.close();
    await relay.close();
  });

  async function refused(p: Promise<unknown>): Promise<AdminRequestError> {
    try {
      await p;
    } catch (err) {
      assert.ok(err instanceof AdminRequestError, String(err));
      return err;
    }
    assert.fail('the call succeeded');
  }

  it('creates a tunnel with the JSON shape of the management API, and reads it back with either key', async () => {
    const t = await admin.create({ name: ' Docs ', description: 'the docs', workspace_ids: ['ws_u'], tenant_ids: ['tenant_1'] });
    assert.match(t.id, /^tunnel_[a-z0-9]{32}$/);
    assert.deepEqual(t, { id: t.id, name: 'Docs', description: 'the docs', tenant_ids: ['tenant_1'], workspace_ids: ['ws_u'], organization_ids: [] });
    const runtime = new AdminClient({ baseUrl: url, key: relay.apiKey, keyKind: 'runtime' });
    try {
      const read = await runtime.get(t.id);
      assert.equal(read.name, 'Docs');
      assert.deepEqual(read.tenant_ids, ['tenant_1']);
    } finally {
      await runtime.close();
    }
    assert.deepEqual((await admin.list({ tenant_id: 'tenant_1' })).tunnels.map((x) => x.id), [t.id]);
  });

  it('update replaces the id lists it is given and keeps the fields it is not', async () => {
    const t = await admin.create({ name: 'A', description: 'a', organization_ids: ['org_u'], workspace_ids: ['ws_u'] });
    const u = await admin.update(t.id, { workspace_ids: [] });
    assert.deepEqual([u.name, u.description, u.organization_ids, u.workspace_ids], ['A', 'a', ['org_u'], []]);
    assert.equal((await refused(admin.update(t.id, { name: '  ' }))).status, 400);
  });

  it('keeps each tunnel\'s commands apart: a created tunnel does not receive the relay\'s own tunnel\'s work', async () => {
    const t = await admin.create({ name: 'Separate', description: '', workspace_ids: ['ws_u'] });
    const handle = relay.enqueue({ jsonrpc: { jsonrpc: '2.0', id: 1, method: 'ping' } });
    const headers = { Authorization: `Bearer ${relay.apiKey}` };
    const other = await fetch(`${url}/v1/tunnels/${t.id}/poll?timeout_ms=50`, { headers });
    assert.equal(other.status, 204);
    const own = await fetch(`${url}/v1/tunnels/${relay.tunnelId}/poll?timeout_ms=50`, { headers });
    assert.equal(own.status, 200);
    assert.equal(((await own.json()) as { commands: unknown[] }).commands.length, 1);
    handle.cancel();
  });

  it('refuses to delete the relay\'s own tunnel (409); a deleted tunnel can no longer be polled', async () => {
    assert.equal((await refused(admin.delete(relay.tunnelId))).status, 409);
    const t = await admin.create({ name: 'Short-lived', description: '', workspace_ids: ['ws_u'] });
    assert.equal((await admin.delete(t.id)).id, t.id);
    const poll = await fetch(`${url}/v1/tunnels/${t.id}/poll?timeout_ms=1`, { headers: { Authorization: `Bearer ${relay.apiKey}` } });
    assert.equal(poll.status, 403);
    assert.equal((await refused(admin.get(t.id))).status, 404);
  });

  it('an admin key may not answer commands either (403 on the response POST)', async () => {
    const res = await fetch(`${url}/v1/tunnels/${relay.tunnelId}/response`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${relay.adminKey}`, 'Content-Type': 'application/json', 'X-Tunnel-Shard-Token': 'x' },
      body: JSON.stringify({ request_id: 'r', resp_type: 'jsonrpc_response', jsonrpc: { jsonrpc: '2.0', id: 1, result: {} } }),
    });
    assert.equal(res.status, 403);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'admin_key_not_allowed');
  });

  it('validates bodies and filters: a name, a scope, id lists of strings, exactly one list filter', async () => {
    assert.equal((await refused(admin.create({ name: '', description: '', workspace_ids: ['ws_u'] }))).serverMessage, 'name is required and may not be empty.');
    assert.equal((await refused(admin.create({ name: 'n', description: '' }))).code, 'missing_scope');
    assert.equal((await refused(admin.create({ name: 'n', description: '', workspace_ids: [''] }))).code, 'invalid_type');
    assert.equal((await refused(admin.list({ organization_id: 'org_u', workspace_id: 'ws_u' } as never))).code, 'invalid_filter');
    assert.equal((await refused(admin.create({ name: 'n', description: '', organization_ids: ['org_x'] }))).code, 'organization_forbidden');
  });
});

describe('adminTriage: what a refused management call tells the user', () => {
  it('names the admin key and Tunnels Manage for a runtime key on management', () => {
    assert.match(adminTriage('create', 403, 'runtime', false), /create needs an admin key with Tunnels Read \+ Manage \(OPENAI_ADMIN_KEY or --admin-key\)/);
  });
  it('names the runtime key and Tunnels Use for an admin key used to poll', () => {
    assert.match(adminTriage('get', 403, 'admin', false, 'admin_key_not_allowed'), /runtime key \(CONTROL_PLANE_API_KEY\) with Tunnels Read \+ Use/);
  });
  it('points a runtime key refused on get at the tunnel\'s organization and workspace', () => {
    assert.match(adminTriage('get', 403, 'runtime', false), /attached to the organization and workspace of the key/);
  });
  it('speaks of the keys the relay printed when the control plane is on this machine', () => {
    assert.match(adminTriage('list', 401, 'admin', true), /admin_key `mcp-tunnel relay` printed/);
    assert.match(adminTriage('list', 401, 'admin', false), /OPENAI_ADMIN_KEY or --admin-key/);
  });
});
