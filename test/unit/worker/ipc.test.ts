/**
 * The worker IPC contract (src/worker/ipc.ts): every message type of both
 * directions has a sample here (the Record types make the compiler insist),
 * each sample survives the JSON the IPC channel uses and is accepted, and a
 * malformed one is refused.
 */
import { strict as assert } from 'node:assert';
import type { EngineConfig } from '../../../src/engine/config';
import { oauthStatusProblem } from '../../../src/engine/eventChecks';
import { IPC_VERSION, parseHostMessage, parseWorkerMessage, type HostMessage, type WorkerMessage } from '../../../src/worker/ipc';
import { HEALTH, httpHealth, LOG, OAUTH_FAILED, OAUTH_FOUND, OAUTH_NOT_ADVERTISED, OAUTH_PENDING, snapshot, traceEntry } from '../dashboard/fixtures';

const OAUTH_SAMPLES = [OAUTH_PENDING, OAUTH_FOUND, OAUTH_NOT_ADVERTISED, OAUTH_FAILED, { state: 'pending' as const, urls: [] }];

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
  // An HTTP main channel's status carries its OAuth discovery, in every state.
  state: [{ type: 'state', status: HEALTH.status! }, ...OAUTH_SAMPLES.map((oauth) => ({ type: 'state' as const, status: httpHealth(oauth).status! }))],
  trace: [{ type: 'trace', entry: traceEntry(3) }, { type: 'trace', entry: traceEntry(4, { commandType: 'oauth_discovery', method: undefined, toolName: undefined }) }],
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

  it('refuses a state whose OAuth discovery has the wrong shape', () => {
    const status = httpHealth(OAUTH_FOUND).status!;
    for (const oauth of [null, 'found', { urls: [] }, { ...OAUTH_FOUND, state: 'done' }, { ...OAUTH_FOUND, urls: undefined }, { ...OAUTH_FOUND, urls: [{ role: 'token_endpoint' }] }]) {
      assert.equal(parseWorkerMessage(roundTrip({ type: 'state', status: { ...status, oauth } })), undefined, JSON.stringify(oauth)?.slice(0, 80));
    }
  });

  it('refuses what is not a message of its direction, or has a field of the wrong shape', () => {
    for (const bad of [undefined, null, 'stop', {}, { type: 'toString' }, { type: 'started', pid: '1' }, { type: 'state', status: {} }, { type: 'trace', entry: { seq: 1 } }, { type: 'fatal' }]) {
      assert.equal(parseWorkerMessage(bad), undefined, JSON.stringify(bad));
    }
    for (const bad of [{ type: 'started', pid: 1 }, { type: 'start', version: IPC_VERSION, config: {} }, { type: 'setLogLevel', level: 'loud' }, { type: 'call', id: 1, message: { id: 1 }, headers: {} }, { type: 'call', id: 1, message: { jsonrpc: '2.0', method: 'x' }, headers: { a: 'b' } }]) {
      assert.equal(parseHostMessage(bad), undefined, JSON.stringify(bad));
    }
  });
});

describe('OAuth status check (EngineStatus.oauth)', () => {
  it('accepts every state the engine reports, after the trip', () => {
    for (const oauth of OAUTH_SAMPLES) assert.equal(oauthStatusProblem(roundTrip(oauth)), undefined, oauth.state);
  });

  it('names the first bad field and what it should be', () => {
    const cases: [unknown, string][] = [
      [null, 'oauth must be an object, not null'],
      [[], 'oauth must be an object, not an array'],
      [{ urls: [] }, 'oauth.state must be one of pending, found, not_advertised, failed, not undefined'],
      [{ ...OAUTH_FOUND, state: 'done' }, 'oauth.state must be one of pending, found, not_advertised, failed, not "done"'],
      [{ ...OAUTH_FAILED, error: { message: 'boom' } }, 'oauth.error must be a string when present, not object'],
      [{ ...OAUTH_FOUND, metadataUrl: 42 }, 'oauth.metadataUrl must be a string when present, not number'],
      [{ ...OAUTH_FOUND, finishedAt: 'yesterday' }, 'oauth.finishedAt must be a time in ms when present, not "yesterday"'],
      [{ ...OAUTH_FOUND, urls: 'https://auth.example.com' }, 'oauth.urls must be an array, not "https://auth.example.com"'],
      [{ ...OAUTH_FOUND, urls: [...OAUTH_FOUND.urls, 'https://x'] }, 'oauth.urls[8] must be an object, not "https://x"'],
      [{ ...OAUTH_FOUND, urls: [{ role: 'login_page', url: 'https://x' }] }, 'oauth.urls[0].role must be one of metadata_candidate, resource, authorization_server, authorization_server_metadata, authorization_endpoint, token_endpoint, registration_endpoint, revocation_endpoint, introspection_endpoint, jwks_uri, not "login_page"'],
      [{ ...OAUTH_FOUND, urls: [{ role: 'token_endpoint' }] }, 'oauth.urls[0].url must be a string, not undefined'],
      [{ ...OAUTH_FOUND, urls: [{ role: 'metadata_candidate', url: 'https://x', status: '404' }] }, 'oauth.urls[0].status must be an integer HTTP status when present, not "404"'],
      [{ ...OAUTH_FOUND, urls: [{ role: 'metadata_candidate', url: 'https://x', selected: 'yes' }] }, 'oauth.urls[0].selected must be a boolean when present, not "yes"'],
    ];
    for (const [value, reason] of cases) assert.equal(oauthStatusProblem(value), reason);
  });

  it('shortens a long bad value in its reason', () => {
    assert.equal(oauthStatusProblem({ state: 'x'.repeat(500), urls: [] }), `oauth.state must be one of pending, found, not_advertised, failed, not "${'x'.repeat(40)}…"`);
  });
});
