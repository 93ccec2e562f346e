/**
 * Fuzzing the whole path: a real relay, a real engine and server-everything
 * over stdio, fed arbitrary poll bodies, arbitrary commands and arbitrary
 * front-door bodies. The process never crashes, every answer carries its
 * request_id, no command is answered twice, and a valid call after the noise
 * is still served. The seed is printed so a failure can be replayed.
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { everythingStdioTarget } from '../helpers/everything';
import { waitFor } from '../helpers/wait';
import { startTestTunnel, textOf, type TestTunnel } from '../helpers/tunnel';
import { hostileCommand, hostileJson } from '../helpers/hostile';

const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
const POLL_BODIES = 120;
const COMMANDS = 400;
const FRONT_DOOR_BODIES = 300;

const ECHO = (id: number, message: string) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { message } } });

describe(`fuzzing the tunnel (seed ${SEED})`, function () {
  this.timeout(180_000);
  let t: TestTunnel;
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);

  before(async () => {
    process.on('unhandledRejection', onRejection);
    t = await startTestTunnel({ target: everythingStdioTarget(), config: (c) => {
        c.trace.capturePayloads = false;
        // Short long-polls: a fault applies to the next poll, which must not sit idle for long.
        c.controlPlane.pollTimeoutMs = 100;
      },
    });
  });

  after(async () => {
    process.off('unhandledRejection', onRejection);
    await t?.stop();
  });

  afterEach(async () => {
    assert.deepEqual(rejections, [], 'no unhandled rejection');
    const terminal = await t.relay.enqueue({ jsonrpc: ECHO(424242, 'after the noise') }, { timeoutMs: 15_000 }).terminal;
    assert.equal(textOf((terminal.resp_json as { result?: unknown }).result ?? {}), 'Echo: after the noise');
    for (const r of t.relay.responseLog()) assert.equal(typeof r.requestId, 'string', 'every POST names its request_id');
    const terminals = new Map<string, number>();
    for (const r of t.relay.responseLog()) {
      if (r.status === 200 && r.respType !== 'jsonrpc_notify') terminals.set(r.requestId!, (terminals.get(r.requestId!) ?? 0) + 1);
    }
    for (const [id, n] of terminals) assert.equal(n, 1, `request ${id.slice(0, 40)} answered once`);
  });

  it(`survives ${POLL_BODIES} malformed poll bodies`, async () => {
    const bodies = fc.sample(
      fc.oneof(
        fc.array(fc.oneof(hostileCommand(), hostileJson()), { maxLength: 5 }).map((commands) => JSON.stringify({ commands })),
        hostileJson().map((v) => JSON.stringify(v) ?? 'null'),
        fc.string({ unit: 'binary', maxLength: 200 }),
      ),
      { numRuns: POLL_BODIES, seed: SEED },
    );
    for (const [i, body] of bodies.entries()) {
      const fault = t.relay.injectFault({ on: 'poll', body });
      if (process.env.FUZZ_DEBUG) process.stdout.write(`${i} ${Date.now()} ${body.slice(0, 300)}\n`);
      await waitFor(() => fault.hits === 1, 10_000, 'the poll took the body');
    }
  });

  it(`answers or skips ${COMMANDS} arbitrary commands, each at most once, with no protocol violation`, async () => {
    const commands = fc.sample(hostileCommand(), { numRuns: COMMANDS, seed: SEED + 1 });
    const handles = commands.map(({ request_id: _id, shard_token: _token, ...rest }) => t.relay.enqueue(rest, { timeoutMs: 8_000 }));
    const settled = await Promise.allSettled(handles.map((h) => h.terminal));
    const answered = settled.filter((s) => s.status === 'fulfilled').length;
    process.stdout.write(`      ${answered} of ${COMMANDS} arbitrary commands were answerable and answered\n`);
    assert.ok(answered > 0);
    assert.deepEqual(t.relay.violations(), []);
  });

  it(`answers ${FRONT_DOOR_BODIES} arbitrary front-door bodies without a 5xx from the relay itself`, async () => {
    const bodies = fc.sample(
      fc.oneof(
        fc.record({ jsonrpc: fc.oneof(fc.constant('2.0'), hostileJson()), id: hostileJson(), method: fc.oneof(fc.constantFrom('ping', 'tools/list'), hostileJson()), params: hostileJson(), result: hostileJson() }, { requiredKeys: [] }),
        hostileJson(),
      ),
      { numRuns: FRONT_DOOR_BODIES, seed: SEED + 2 },
    );
    const statuses = new Map<number, number>();
    for (const body of bodies) {
      const res = await fetch(t.info.mcpUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', Authorization: `Bearer ${t.info.frontDoorToken}` },
        body: JSON.stringify(body) ?? 'null',
      });
      await res.arrayBuffer();
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      assert.ok(res.status < 500 || res.status === 502, `status ${res.status} for ${JSON.stringify(body)?.slice(0, 200)}`);
    }
    process.stdout.write(`      front-door statuses: ${[...statuses].map(([s, n]) => `${s}×${n}`).join(' ')}\n`);
  });
});
