import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { copiedTunnelId, recordMessages, setWorkspaceProfiles, waitFor, workerPids, type ShownMessage } from './host';

const tunnelId = (tag: string) => `tunnel_${tag.padEnd(32, '0')}`;

/** Runs a command and returns the first error message MCP Tunnel shows for it. */
async function errorShownBy(command: string, ...args: unknown[]): Promise<ShownMessage> {
  const messages = recordMessages();
  try {
    await vscode.commands.executeCommand(command, ...args);
    await waitFor(() => messages.shown.some((m) => m.severity === 'error'), 10_000, `an error message from ${command}`);
    return messages.shown.find((m) => m.severity === 'error')!;
  } finally {
    messages.dispose();
  }
}

describe('profiles from settings', function () {
  this.timeout(30_000);

  after(async () => {
    await setWorkspaceProfiles();
  });

  it('picks up a profile written to mcpTunnel.profiles, without a reload', async () => {
    const added = { name: 'added', controlPlane: { tunnelId: tunnelId('added') }, mcp: { servers: [{ command: 'node server.js' }] } };
    await setWorkspaceProfiles(added);
    await waitFor(async () => (await copiedTunnelId('added')) === added.controlPlane.tunnelId, 10_000, '"Copy Tunnel ID" to know the new profile');
  });

  it('forgets a profile removed from mcpTunnel.profiles', async () => {
    await setWorkspaceProfiles();
    await waitFor(async () => (await copiedTunnelId('added')) === undefined, 10_000, '"Copy Tunnel ID" to forget the profile');
  });

  it('refuses to start an invalid profile with an error naming the field and the fix, and forks no worker', async () => {
    const broken = { name: 'broken', controlPlane: { tunnelId: tunnelId('broken') }, mcp: { servers: [{ command: 'node', url: 'http://127.0.0.1:9/mcp' }] } };
    await setWorkspaceProfiles(broken);
    await waitFor(async () => (await copiedTunnelId('broken')) === broken.controlPlane.tunnelId, 10_000, 'the broken profile to be read');

    const error = await errorShownBy('mcpTunnel.start', 'broken');
    assert.match(error.message, /^Tunnel profile "broken" is invalid: mcp\.servers\[0\]\.url: sets both command and url\. Keep one/);
    assert.deepEqual(error.items, ['Edit Profiles']);
    assert.deepEqual(workerPids(), []);
  });

  it('does not start a profile whose API key reference is unset, and says how to set it', async () => {
    const variable = 'MCP_TUNNEL_INHOST_NEVER_SET';
    delete process.env[variable];
    const nokey = { name: 'nokey', controlPlane: { baseUrl: 'http://127.0.0.1:9', tunnelId: tunnelId('nokey'), apiKey: `env:${variable}` }, mcp: { servers: [{ command: 'node server.js' }] } };
    await setWorkspaceProfiles(nokey);
    await waitFor(async () => (await copiedTunnelId('nokey')) === nokey.controlPlane.tunnelId, 10_000, 'the profile to be read');

    const error = await errorShownBy('mcpTunnel.start', 'nokey');
    assert.match(error.message, new RegExp(`^Cannot start "nokey": controlPlane\\.apiKey: .*${variable}, which is not set\\. Export ${variable}, or run 'MCP Tunnel: Set API Key…'`));
    assert.ok(error.items.includes('Set API Key…'), `offers Set API Key…: ${error.items.join(', ')}`);
    assert.deepEqual(workerPids(), []);
  });
});
