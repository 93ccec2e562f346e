/**
 * The worker IPC contract (src/worker/ipc.ts): every message type of both
 * directions has a sample here (the Record types make the compiler insist),
 * each sample survives the JSON the IPC channel uses and is accepted, and a
 * malformed one is refused.
 */
import { strict as assert } from 'node:assert';
import type { EngineConfig } from '../../../src/engine/config';
import { IPC_VERSION, parseHostMessage, parseWorkerMessage, type HostMessage, type WorkerMessage } from '../../../src/worker/ipc';
import { HEALTH, LOG, snapshot, traceEntry } from '../dashboard/fixtures';

const CONFIG: EngineConfig = {
  controlPlane: { baseUrl: 'http://127.0.0.1:4000', tunnelId: 'tunnel_abc', apiKey: 'sk-test', extraHeaders: {}, tls: {}, pollTimeoutMs: 30_000, maxInflightRequests: 20 },
  mcp: { targets: [{ kind: 'stdio', channel: 'main', argv: ['node', 'server.js'], env: {} }], maxConcurrentRequests: 10, connectionMaxTtlMs: 600_000 },
  health: { listenAddr: '127.0.0.1:0' },
  log: { level: 'info' },
  trace: { capturePayloads: false, maxEntries: 1000 },
};

const HOST_SAMPLES: Record<HostMessage['type'], HostMessage[]> = {
  start: [{ type: 'start', version: IPC_VERSION, config: CONFIG }, { type: 'start', version: IPC_VERSION, config: CONFIG, metricsIntervalMs: 1000 }],
  stop: [{ type: 'stop' }],
  setLogLevel: [{ type: 'setLogLevel', level: 'debug' }],
  setCapturePayloads: [{ type: 'setCapturePayloads', on: true }],
  call: [{ type: 'call', id: 1, message: { jsonrpc: '2.0', id: 7, method: 'tools/list' }, headers: { 'Mcp-Session-Id': ['s-1'] } }],
};

const WORKER_SAMPLES: Record<WorkerMessage['type'], WorkerMessage[]> = {
  started: [{ type: 'started', pid: 4242 }, { type: 'started', pid: 4242, healthUrl: 'http://127.0.0.1:8080' }],
  state: [{ type: 'state', status: HEALTH.status! }],
  trace: [{ type: 'trace', entry: traceEntry(3) }],
  metrics: [{ type: 'metrics', snapshot: snapshot(1000, { ok: 1 }) }],
  log: [{ type: 'log', record: LOG }],
  mcpStderr: [{ type: 'mcpStderr', channel: 'main', line: 'listening' }],
  callResult: [
    { type: 'callResult', id: 1, outcome: { kind: 'response', json: { jsonrpc: '2.0', id: 7, result: {} }, status: 200, headers: {} }, traceSeq: 3 },
    { type: 'callResult', id: 2, error: 'the tunnel is not running' },
  ],
  stopped: [{ type: 'stopped' }],
  fatal: [{ type: 'fatal', message: 'health server: 127.0.0.1:8080 is in use' }],
};

/** What the IPC channel does to a value on its way (JSON serialization). */
const roundTrip = (value: unknown) => JSON.parse(JSON.stringify(value));

describe('worker IPC contract', () => {
  for (const [type, samples] of Object.entries(HOST_SAMPLES)) {
    it(`host → worker '${type}' is accepted after the trip`, () => {
      for (const sample of samples) assert.deepEqual(parseHostMessage(roundTrip(sample)), roundTrip(sample));
    });
  }

  for (const [type, samples] of Object.entries(WORKER_SAMPLES)) {
    it(`worker → host '${type}' is accepted after the trip`, () => {
      for (const sample of samples) assert.deepEqual(parseWorkerMessage(roundTrip(sample)), roundTrip(sample));
    });
  }

  it('refuses what is not a message of its direction, or has a field of the wrong shape', () => {
    for (const bad of [undefined, null, 'stop', {}, { type: 'toString' }, { type: 'started', pid: '1' }, { type: 'state', status: {} }, { type: 'trace', entry: { seq: 1 } }, { type: 'fatal' }]) {
      assert.equal(parseWorkerMessage(bad), undefined, JSON.stringify(bad));
    }
    for (const bad of [{ type: 'started', pid: 1 }, { type: 'start', version: IPC_VERSION, config: {} }, { type: 'setLogLevel', level: 'loud' }, { type: 'call', id: 1, message: { id: 1 }, headers: {} }, { type: 'call', id: 1, message: { jsonrpc: '2.0', method: 'x' }, headers: { a: 'b' } }]) {
      assert.equal(parseHostMessage(bad), undefined, JSON.stringify(bad));
    }
  });
});
