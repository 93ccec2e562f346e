import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { Relay, type RelayStartInfo } from '../../../src/relay/relay';
import { copiedTunnelId, descendantPids, isRunning, recordMessages, setWorkspaceProfiles, sleep, waitFor, workerPids } from './host';

/** The sample MCP server's path, set when the suite is bundled (test/vscode/build.ts). */
declare const SAMPLE_SERVER: string;

/** The profile reads its key from this variable of the extension host, which this suite shares. */
const KEY_VARIABLE = 'MCP_TUNNEL_INHOST_RELAY_KEY';
const NAME = 'relay';

describe('a tunnel started from the editor', function () {
  this.timeout(90_000);
  let relay: Relay;
  let info: RelayStartInfo;
  let worker: number;
  let server: number[];

  before(async () => {
    // A real control plane in this very process; the tunnel runs in a worker the extension forks.
    relay = new Relay({ frontDoorAuth: 'none' });
    info = await relay.start();
    process.env[KEY_VARIABLE] = info.apiKey;
    await setWorkspaceProfiles({
      name: NAME,
      controlPlane: { baseUrl: info.url, tunnelId: info.tunnelId, apiKey: `env:${KEY_VARIABLE}` },
      // The repository's sample MCP server (built beside the extension, not shipped in it), run by node over stdio.
      mcp: { servers: [{ command: 'node', args: [SAMPLE_SERVER] }] },
    });
    await waitFor(async () => (await copiedTunnelId(NAME)) === info.tunnelId, 10_000, 'the profile to be read');
  });

  after(async () => {
    await vscode.commands.executeCommand('mcpTunnel.stopAll');
    await relay?.close();
    delete process.env[KEY_VARIABLE];
    await setWorkspaceProfiles();
  });

  it('starts, polls the relay from a worker process and turns ready without a warning', async () => {
    const messages = recordMessages();
    try {
      await vscode.commands.executeCommand('mcpTunnel.start', NAME);
    } finally {
      messages.dispose();
    }
    // Start Tunnel returns once the tunnel is ready, or after warning that it is not.
    assert.deepEqual(
      messages.shown.filter((m) => m.severity !== 'information'),
      [],
      'no error or warning while starting',
    );
    const workers = workerPids();
    assert.equal(workers.length, 1, 'one worker for one tunnel');
    worker = workers[0]!;
    server = descendantPids(worker);
    assert.ok(server.length >= 1, 'the stdio MCP server runs under the worker');
    assert.ok(relay.stats().polls >= 1, 'the relay was polled');
    assert.deepEqual(relay.violations(), [], 'the worker kept to the control-plane contract');
  });

  it('answers MCP requests the relay queues, from the MCP server behind the worker', async () => {
    const list = await relay.enqueue({ jsonrpc: { jsonrpc: '2.0', id: 1, method: 'tools/list' } }, { timeoutMs: 20_000 }).terminal;
    assert.equal(list.resp_code, 200);
    const tools = ((list.resp_json?.result as { tools?: { name: string }[] } | undefined)?.tools ?? []).map((t) => t.name);
    assert.ok(tools.includes('add') && tools.includes('echo'), `the sample server's tools: ${tools.join(', ')}`);

    const call = await relay.enqueue(
      { jsonrpc: { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'add', arguments: { a: 2, b: 40 } } } },
      { timeoutMs: 20_000 },
    ).terminal;
    assert.deepEqual((call.resp_json?.result as { structuredContent?: unknown }).structuredContent, { sum: 42 });
  });

  it('stops: the worker and its MCP server exit and the relay sees no more polls', async () => {
    await vscode.commands.executeCommand('mcpTunnel.stop', NAME);
    await waitFor(() => [worker, ...server].every((pid) => !isRunning(pid)), 10_000, 'the worker and the MCP server to exit');
    assert.deepEqual(workerPids(), []);
    const polls = relay.stats().polls;
    await sleep(3_000);
    assert.equal(relay.stats().polls, polls, 'no poll after Stop Tunnel');
    assert.equal(relay.stats().waitingPolls, 0, 'no poll left waiting');
  });
});
