/**
 * What operators' probes, dashboards and alerts read from a running tunnel:
 * the control-plane request headers, the reference daemon's metric names,
 * the unsupported_channel answer, and several replicas on one tunnel id.
 */
import { strict as assert } from 'node:assert';
import { TunnelEngine } from '../../src/engine/engine';
import type { TunnelResponsePayload } from '../../src/protocol/wire';
import { everythingStdioTarget } from '../helpers/everything';
import { validateResponsePayload } from '../helpers/openapi';
import { textOf, withTestTunnel, type TestTunnel } from '../helpers/tunnel';
import { waitFor } from '../helpers/wait';

const ECHO = (id: number, message: string) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { message } } });
const CANCELLED = { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 999, reason: 'metrics test' } };

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The Prometheus text a scraper reads: its samples and the declared type of each metric family. */
async function scrape(t: TestTunnel): Promise<{ samples: Sample[]; types: Map<string, string> }> {
  const res = await fetch(`${t.engine.healthUrl}/metrics`);
  assert.equal(res.status, 200);
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of (await res.text()).split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) types.set(type[1]!, type[2]!);
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[k!] = v!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return { samples, types };
}

/** The value of the one sample named `name` whose labels include `labels`. */
function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  assert.ok(found.length <= 1, `${name} ${JSON.stringify(labels)} matches ${found.length} series`);
  return found[0]?.value;
}

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

    it('asks for the configured poll channels only (poll_channels), and for every channel when none are configured', async () => {
      await withTestTunnel({ target: everythingStdioTarget(), config: (c) => (c.controlPlane.pollChannels = ['main', 'docs-search']) }, async (t) => {
        await t.relay.enqueue({ jsonrpc: ECHO(3, 'channels') }).terminal;
        const polls = t.relay.requestLog().filter((r) => r.endpoint === 'poll');
        assert.ok(polls.length > 0);
        for (const p of polls) assert.deepEqual(p.channels, ['main', 'docs-search']);
      });
      await withTestTunnel({ target: everythingStdioTarget() }, async (t) => {
        await t.relay.enqueue({ jsonrpc: ECHO(4, 'all channels') }).terminal;
        for (const p of t.relay.requestLog().filter((r) => r.endpoint === 'poll')) assert.equal(p.channels, undefined);
      });
    });

    it('gives up a poll that outlives its wait by more than the configured guardrail (poll_deadline_guardrail), and polls again', async () => {
      await withTestTunnel(
        {
          target: everythingStdioTarget(),
          config: (c) => {
            c.controlPlane.pollTimeoutMs = 200;
            c.controlPlane.pollDeadlineGuardrailMs = 300;
          },
        },
        async (t) => {
          const stuck = t.relay.injectFault({ on: 'poll', delayMs: 5000 });
          await waitFor(() => stuck.hits === 1, 5000, 'a poll held by the relay');
          // The 15 s default would leave it hanging; 200 ms + 300 ms gives it up.
          await waitFor(() => t.engine.status().pollErrors.network === 1, 3000, 'the poll given up after its guardrail');
          await t.relay.enqueue({ jsonrpc: ECHO(5, 'after the guardrail') }).terminal;
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

  describe('metrics under the reference daemon\'s names', () => {
    it('a dashboard written for the reference reads polls, queue, workers, latency, readiness and liveness from /metrics', async () => {
      await withTestTunnel({ target: everythingStdioTarget() }, async (t) => {
        t.relay.injectFault({ on: 'poll', status: 500 });
        const answers = await Promise.all([
          ...[1, 2, 3].map((id) => t.relay.enqueue({ jsonrpc: ECHO(id, `m${id}`) }).terminal),
          t.relay.enqueue({ jsonrpc: CANCELLED }).terminal,
          t.relay.enqueue({ jsonrpc: ECHO(4, 'elsewhere'), channel: 'not-served' }).terminal,
        ]);
        assert.deepEqual([0, 1, 2, 4].map((i) => answers[i]!.resp_code), [200, 200, 200, 400]);
        // A type this tunnel does not know is skipped: no answer, a drop.
        const unknown = t.relay.enqueue({ command_type: 'harpoon_call' });
        const dropped = async () => value((await scrape(t)).samples, 'commands_queue_drops_total', { drop_reason: 'invalid_command_type' }) === 1;
        await waitFor(dropped, 10_000, 'the unknown command type counted as a drop');
        unknown.cancel();
        const { samples, types } = await scrape(t);

        for (const [name, type] of [
          ['commands_polled_total', 'counter'],
          ['commands_enqueued_total', 'counter'],
          ['commands_poll_cycles_total', 'counter'],
          ['commands_poll_errors_total', 'counter'],
          ['commands_poll_latency_seconds', 'histogram'],
          ['commands_age_seconds', 'histogram'],
          ['commands_poll_last_successful_timestamp_seconds', 'gauge'],
          ['commands_queue_capacity', 'gauge'],
          ['commands_queue_length', 'gauge'],
          ['dispatcher_worker_pool_capacity', 'gauge'],
          ['dispatcher_worker_pool_occupancy', 'gauge'],
          ['command_end_to_end_latency_milliseconds', 'histogram'],
          ['command_unsupported_channel_total', 'counter'],
          ['liveness', 'gauge'],
          ['readiness', 'gauge'],
        ]) {
          assert.equal(types.get(name), type, name);
        }
        assert.ok((value(samples, 'commands_polled_total') ?? 0) >= 5);
        assert.ok((value(samples, 'commands_enqueued_total') ?? 0) >= 5);
        assert.ok((value(samples, 'commands_poll_cycles_total') ?? 0) >= 3);
        assert.equal(value(samples, 'commands_poll_errors_total', { error_kind: 'other' }), 1);
        assert.equal(value(samples, 'commands_poll_latency_seconds_count', { error: 'true' }), 1);
        assert.ok((value(samples, 'commands_poll_latency_seconds_count', { error: 'false' }) ?? 0) >= 2);
        assert.equal(value(samples, 'commands_age_seconds_count'), 5);
        const lastPoll = value(samples, 'commands_poll_last_successful_timestamp_seconds')!;
        assert.ok(Number.isInteger(lastPoll) && Math.abs(lastPoll - Date.now() / 1000) < 60, String(lastPoll));
        assert.equal(value(samples, 'commands_queue_capacity'), 64);
        assert.equal(value(samples, 'commands_queue_length'), 0);
        assert.equal(value(samples, 'dispatcher_worker_pool_capacity'), 32);
        assert.equal(value(samples, 'dispatcher_worker_pool_occupancy'), 0);
        const call = { request_kind: 'call', request_method: 'tools/call', channel: 'main', tunnel_service_status: '200' };
        assert.equal(value(samples, 'command_end_to_end_latency_milliseconds_count', { ...call, latency_type: 'poll_to_response' }), 3);
        assert.equal(value(samples, 'command_end_to_end_latency_milliseconds_count', { ...call, latency_type: 'enqueue_to_response' }), 3);
        assert.equal(value(samples, 'command_end_to_end_latency_milliseconds_bucket', { ...call, latency_type: 'poll_to_response', le: '+Inf' }), 3);
        assert.equal(
          value(samples, 'command_end_to_end_latency_milliseconds_count', { request_kind: 'notification', request_method: 'notifications/cancelled', latency_type: 'poll_to_response' }),
          1,
        );
        assert.equal(value(samples, 'command_unsupported_channel_total', { command_type: 'jsonrpc' }), 1);
        assert.equal(value(samples, 'liveness'), 1);
        assert.equal(value(samples, 'readiness'), 1);
        // Ours stay where they say more.
        assert.equal(value(samples, 'mcp_tunnel_commands_total', { type: 'jsonrpc', outcome: 'ok' }), 4);
        // Bounded labels: no request id, channel name from the control plane, or URL in any label.
        const labelValues = samples.flatMap((s) => Object.values(s.labels));
        for (const a of answers) assert.ok(!labelValues.includes(a.request_id), a.request_id);
        assert.ok(!labelValues.some((v) => v === 'not-served' || v.includes('127.0.0.1') || v.includes('tunnel_')));
      });
    });
  });

  describe('unsupported_channel', () => {
    it('answers a command naming a channel the tunnel does not serve with 400 unsupported channel, counts it, and keeps serving', async () => {
      await withTestTunnel({ target: everythingStdioTarget() }, async (t) => {
        const request = await t.relay.enqueue({ jsonrpc: ECHO(7, 'lost'), channel: 'billing' }).terminal;
        assert.equal(request.resp_code, 400);
        assert.equal(request.resp_type, 'jsonrpc_response');
        assert.equal(request.channel, 'billing');
        assert.deepEqual(request.resp_json, { jsonrpc: '2.0', id: 7, error: { code: -32603, message: 'Bad Request: unsupported channel "billing"' } });
        const notification = await t.relay.enqueue({ jsonrpc: CANCELLED, channel: 'billing' }).terminal;
        assert.deepEqual([notification.resp_type, notification.resp_code, notification.resp_json], ['notify_ack', 400, undefined]);
        const termination = await t.relay.enqueue({ command_type: 'session_termination', channel: 'billing', headers: { 'Mcp-Session-Id': ['s1'] } }).terminal;
        assert.deepEqual([termination.resp_type, termination.resp_code], ['session_termination_response', 400]);
        for (const payload of [request, notification, termination]) assert.deepEqual(validateResponsePayload(payload), []);

        const after = await t.relay.enqueue({ jsonrpc: ECHO(8, 'still serving') }).terminal;
        assert.equal(after.resp_code, 200);
        assert.equal(textOf((after.resp_json as { result: unknown }).result), 'Echo: still serving');
        const { samples } = await scrape(t);
        assert.equal(value(samples, 'command_unsupported_channel_total', { command_type: 'jsonrpc' }), 2);
        assert.equal(value(samples, 'command_unsupported_channel_total', { command_type: 'session_termination' }), 1);
        assert.ok(t.logs.some((l) => l.level === 'warn' && /does not serve/.test(l.msg) && l.fields?.channel === 'billing'));
        assert.deepEqual(t.relay.violations(), []);
      });
    });
  });

  describe('the local queue (max_inflight_requests)', () => {
    it('holds commands waiting for a worker, as the reference does: running ones do not take a place', async () => {
      await withTestTunnel(
        {
          target: everythingStdioTarget(),
          config: (c) => {
            c.controlPlane.maxInflightRequests = 2;
            c.mcp.maxConcurrentRequests = 2;
          },
        },
        async (t) => {
          const slow = (id: number) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'trigger-long-running-operation', arguments: { duration: 2, steps: 1 } } });
          const handles = [1, 2, 3, 4, 5, 6].map((id) => t.relay.enqueue({ jsonrpc: slow(id) }));
          // Two running and two waiting: four polled; the other two wait at the control plane.
          await waitFor(() => t.engine.snapshot().running === 2 && t.engine.snapshot().queued === 2, 5000, 'two running and two queued');
          await new Promise((r) => setTimeout(r, 300));
          assert.equal(t.relay.stats().commandsDelivered, 4);
          assert.equal(value((await scrape(t)).samples, 'commands_queue_length'), 2);
          for (const h of handles) assert.equal((await h.terminal).resp_code, 200);
        },
      );
    });
  });

  describe('several replicas on one tunnel id', () => {
    it('two engines polling one relay tunnel answer every command of a batch exactly once', async () => {
      await withTestTunnel({ target: everythingStdioTarget(), config: (c) => (c.controlPlane.maxInflightRequests = 4) }, async (t) => {
        const replica = new TunnelEngine({ ...t.engine.config }, { poller: { backoff: { initialMs: 20, maxMs: 200 } } });
        try {
          await replica.start();
          await replica.whenReady();
          const n = 60;
          const handles = Array.from({ length: n }, (_, i) => t.relay.enqueue({ jsonrpc: ECHO(i, `r${i}`) }, { timeoutMs: 30_000 }));
          const answers: TunnelResponsePayload[] = await Promise.all(handles.map((h) => h.terminal));
          answers.forEach((a, i) => assert.equal(textOf((a.resp_json as { result: unknown }).result), `Echo: r${i}`));

          const served = (e: TunnelEngine) => new Set(e.trace.list().map((x) => x.requestId));
          // An engine records a command once its POST is answered, just after the relay resolved it.
          await waitFor(() => served(t.engine).size + served(replica).size >= n, 5_000, 'both traces record every command');
          const [first, second] = [served(t.engine), served(replica)];
          assert.ok(first.size > 0 && second.size > 0, `both replicas served (${first.size} + ${second.size})`);
          for (const h of handles) assert.ok(first.has(h.requestId) !== second.has(h.requestId), `${h.requestId} answered by exactly one replica`);
          for (const h of handles) {
            const terminals = t.relay.responseLog().filter((r) => r.requestId === h.requestId && r.status === 200);
            assert.equal(terminals.length, 1, h.requestId);
          }
          const stats = t.relay.stats();
          assert.equal(stats.terminalsAccepted, n);
          assert.deepEqual(stats.responsesRejected, {});
          assert.equal(stats.pendingCommands, 0);
          const instances = new Set(t.relay.requestLog().map((r) => r.instanceId));
          assert.equal(instances.size, 2, 'two client instance ids polled the one tunnel');
        } finally {
          await replica.stop();
        }
      });
    });
  });
});
