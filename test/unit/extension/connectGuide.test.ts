import { strict as assert } from 'node:assert';
import { connectGuide, type GuideFacts } from '../../../src/extension/connectGuide';

const ID = `tunnel_${'b'.repeat(32)}`;
const base: GuideFacts = { profile: 'docs', tunnelId: ID, tunnelName: 'Docs MCP', local: false, state: 'ready' };

describe('Connect to ChatGPT / Codex guide', () => {
  it('says what to select: Connection: Tunnel, this tunnel by name and id, in its workspace', () => {
    const g = connectGuide({ ...base, workspaceIds: ['ws_1'], adminWorkspaceId: 'ws_1' });
    assert.match(g.summary, /^"docs" is ready: in ChatGPT or Codex connector settings choose Connection: Tunnel and select "Docs MCP" \(tunnel_b{32}\)\.$/);
    assert.match(g.detail, /choose Connection: Tunnel/);
    assert.match(g.detail, new RegExp(`paste its ID: ${ID}`));
    assert.match(g.detail, /Do it in workspace ws_1/);
    assert.deepEqual(g.checks.map((c) => c.level), ['ok', 'ok']);
  });

  it('warns when the tunnel is attached to another workspace than the admin key\'s: it will not be in that picker', () => {
    const g = connectGuide({ ...base, workspaceIds: ['ws_other'], adminWorkspaceId: 'ws_1' });
    const warn = g.checks.find((c) => c.level === 'warn');
    assert.match(warn?.text ?? '', /attached to workspace ws_other, not ws_1: it will not appear in the connector picker of ws_1/);
    assert.match(warn?.text ?? '', new RegExp(`admin tunnels update ${ID} --workspace-id ws_1`));
    assert.match(g.summary, /1 check need attention/);
  });

  it('warns when the admin key cannot read the tunnel (404/403): another organization or workspace', () => {
    const g = connectGuide({ ...base, adminStatus: 404 });
    assert.match(g.detail, /! The admin key cannot see this tunnel \(404\): it was likely created in another organization or workspace/);
  });

  it('names Tunnels Use when polls are refused with 403', () => {
    const g = connectGuide({ ...base, state: 'auth_error', reason: 'control plane refused the poll request with 403 (tunnel_use_forbidden)' });
    assert.equal(g.checks[0]?.level, 'fail');
    assert.match(g.checks[0]?.text ?? '', /grant its principal Tunnels Read \+ Use/);
    assert.match(g.summary, /^"docs" is auth_error:/);
  });

  it('without an admin key, says the workspace cannot be checked and how to let it be', () => {
    const g = connectGuide(base);
    assert.match(g.detail, /\? The workspace of the tunnel is not known here: Set Admin Key… lets the editor check it/);
    assert.match(g.detail, /4\. Do it in the ChatGPT workspace the tunnel is attached to\./);
  });

  it('tells that a tunnel through a relay on this machine is out of reach of hosted agents', () => {
    assert.match(connectGuide({ ...base, local: true }).detail, /ChatGPT and Codex cannot reach it/);
  });
});
