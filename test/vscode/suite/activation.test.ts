import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { IDLE_PROFILE } from '../fixture';
import { copiedTunnelId, extension, sleep, workerPids } from './host';

describe('activation', () => {
  it('activates MCP Tunnel in this editor', async () => {
    const ext = extension();
    await ext.activate();
    assert.equal(ext.isActive, true);
  });

  it('reads the profiles of the open workspace but starts no tunnel worker while autoStart is off', async () => {
    assert.equal(vscode.workspace.getConfiguration('mcpTunnel').get('autoStart'), false);
    assert.equal(await copiedTunnelId(IDLE_PROFILE.name), IDLE_PROFILE.controlPlane.tunnelId, 'the workspace profile is known');
    // autoStart would run from a timer right after activation: leave it the time to.
    await sleep(1_000);
    assert.deepEqual(workerPids(), []);
  });
});
