/**
 * What operators' probes, dashboards and alerts read from a running tunnel:
 * the control-plane request headers, the reference daemon's metric names,
 * the unsupported_channel answer, and several replicas on one tunnel id.
 */
import { strict as assert } from 'node:assert';
import { everythingStdioTarget } from '../helpers/everything';
import { withTestTunnel } from '../helpers/tunnel';

const ECHO = (id: number, message: string) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { message } } });

describe('operations: what probes, dashboards and alerts expect', function () {
  this.timeout(60_000);

  describe('control-plane request headers', () => {
    it('sends User-Agent and the configured OpenAI-Organization on every request, and logs the client instance id', async () => {
      await withTestTunnel(
        {
          target: everythingStdioTarget(),
          config: (c) => {
            c.controlPlane.organizationId = 'org-ops-test';
            // An extra header may not replace ours.
            c.controlPlane.extraHeaders = { 'user-agent': 'spoofed/1.0', 'openai-organization': 'org-spoofed', 'X-Team': 'ops' };
          },
        },
        async (t) => {
          await t.relay.enqueue({ jsonrpc: ECHO(1, 'headers') }).terminal;
          const requests = t.relay.requestLog();
          for (const endpoint of ['metadata', 'poll', 'response']) assert.ok(requests.some((r) => r.endpoint === endpoint), endpoint);
          for (const r of requests) {
            assert.match(r.userAgent ?? '', /^mcp-tunnel\/\d+\.\d+\.\d+\S* \(node v\d+\.\d+\.\d+; [a-z0-9]+\)$/, r.endpoint);
            assert.equal(r.organization, 'org-ops-test', r.endpoint);
          }
          const connected = t.logs.find((l) => l.msg === 'connected to the control plane');
          assert.ok(connected, 'startup log line');
          assert.equal(connected.fields?.client_instance_id, requests[0]!.instanceId);
          assert.match(String(connected.fields?.client_instance_id), /^[0-9a-f-]{36}$/);
        },
      );
    });

    it('sends no OpenAI-Organization when no organization id is configured', async () => {
      await withTestTunnel({ target: everythingStdioTarget() }, async (t) => {
        await t.relay.enqueue({ jsonrpc: ECHO(2, 'no org') }).terminal;
        const requests = t.relay.requestLog();
        assert.ok(requests.length >= 3);
        for (const r of requests) {
          assert.equal(r.organization, undefined, r.endpoint);
          assert.match(r.userAgent ?? '', /^mcp-tunnel\//);
        }
      });
    });
  });
});
