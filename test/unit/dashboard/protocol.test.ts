import { strict as assert } from 'node:assert';
import {
  HOST_MESSAGE_TYPES,
  parseHostMessage,
  parseWebviewMessage,
  restoredProfile,
  WEBVIEW_MESSAGE_TYPES,
  type HostMessage,
  type WebviewMessage,
} from '../../../webview/protocol';
import { HEALTH, httpHealth, LOG, OAUTH_FAILED, OAUTH_FOUND, snapshot, traceEntry, traceRow } from './fixtures';

/** One well-formed sample of every message, in both directions. */
const HOST_SAMPLES: Record<HostMessage['type'], HostMessage[]> = {
  snapshot: [
    { type: 'snapshot', profile: 'dev', health: HEALTH, metrics: [snapshot(1000, { ok: 1 })], trace: [traceRow(1), traceRow(2, { origin: 'local', sessionId: undefined })], logs: [LOG], logLevel: 'info', maxEntries: 1000 },
    { type: 'snapshot', profile: 'dev', health: { ...HEALTH, status: undefined, running: false, state: 'stopped', tone: 'idle' }, metrics: [], trace: [], logs: [], logLevel: 'debug', loopbackUrl: 'http://127.0.0.1:5000/v1/mcp/tunnel_abc', maxEntries: 10 },
  ],
  update: [
    { type: 'update', metrics: [], trace: [traceRow(3)], logs: [] },
    { type: 'update', health: httpHealth(OAUTH_FOUND), metrics: [], trace: [traceRow(5, { commandType: 'oauth_discovery', method: undefined })], logs: [] },
    { type: 'update', health: httpHealth(OAUTH_FAILED, { state: 'degraded', tone: 'warn' }), metrics: [], trace: [], logs: [] },
    { type: 'update', health: HEALTH, metrics: [snapshot(2000, { ok: 2, error: 1 })], trace: [], logs: [LOG], loopbackUrl: 'http://127.0.0.1:1/v1/mcp/x' },
  ],
  traceDetail: [{ type: 'traceDetail', key: 3, entry: traceEntry(3) }, { type: 'traceDetail', key: 4 }],
  mcpResult: [
    { type: 'mcpResult', reqId: 1, result: { tools: [] }, traceKey: 7 },
    { type: 'mcpResult', reqId: 2, error: 'Tunnel "dev" is not running: start it to call its MCP server.' },
  ],
  logLevel: [{ type: 'logLevel', level: 'warn' }],
};

const WEBVIEW_SAMPLES: Record<WebviewMessage['type'], WebviewMessage[]> = {
  ready: [{ type: 'ready' }],
  selectTrace: [{ type: 'selectTrace', key: 1 }],
  clearTrace: [{ type: 'clearTrace' }],
  exportTrace: [{ type: 'exportTrace', keys: [1, 2, 3] }, { type: 'exportTrace', keys: [] }],
  copyCurl: [{ type: 'copyCurl', key: 9 }],
  exportLogs: [{ type: 'exportLogs' }],
  copyEndpoint: [{ type: 'copyEndpoint', what: 'url' }, { type: 'copyEndpoint', what: 'token' }, { type: 'copyEndpoint', what: 'curl' }],
  tunnel: [{ type: 'tunnel', action: 'start' }, { type: 'tunnel', action: 'stop' }, { type: 'tunnel', action: 'restart' }],
  mcp: [
    { type: 'mcp', reqId: 1, request: { method: 'tools/list' } },
    { type: 'mcp', reqId: 2, request: { method: 'tools/call', name: 'echo', arguments: { message: 'hi' } } },
    { type: 'mcp', reqId: 3, request: { method: 'resources/list' } },
    { type: 'mcp', reqId: 4, request: { method: 'resources/read', uri: 'test://static/resource/1' } },
    { type: 'mcp', reqId: 5, request: { method: 'prompts/list' } },
    { type: 'mcp', reqId: 6, request: { method: 'prompts/get', name: 'simple_prompt', arguments: { a: 'b' } } },
    { type: 'mcp', reqId: 7, request: { method: 'replay', key: 12 } },
  ],
  setLogLevel: [{ type: 'setLogLevel', level: 'debug' }],
};

/** What postMessage does to a value: a structured clone (JSON here, which is stricter). */
const roundTrip = (value: unknown) => JSON.parse(JSON.stringify(value));

describe('dashboard protocol', () => {
  it('has a sample here for every message type in both directions', () => {
    assert.deepEqual(Object.keys(HOST_SAMPLES).sort(), [...HOST_MESSAGE_TYPES].sort());
    assert.deepEqual(Object.keys(WEBVIEW_SAMPLES).sort(), [...WEBVIEW_MESSAGE_TYPES].sort());
  });

  for (const [type, samples] of Object.entries(HOST_SAMPLES)) {
    it(`host → webview '${type}' survives postMessage and is accepted on receipt`, () => {
      for (const sample of samples) assert.deepEqual(parseHostMessage(roundTrip(sample)), roundTrip(sample));
    });
  }

  for (const [type, samples] of Object.entries(WEBVIEW_SAMPLES)) {
    it(`webview → host '${type}' survives postMessage and is accepted on receipt`, () => {
      for (const sample of samples) assert.deepEqual(parseWebviewMessage(roundTrip(sample)), roundTrip(sample));
    });
  }

  it('rejects anything that is not a known message', () => {
    for (const bad of [undefined, null, 42, 'ready', [], {}, { type: 'nope' }, { type: 'toString' }, { type: '__proto__' }]) {
      assert.equal(parseHostMessage(bad), undefined, JSON.stringify(bad));
      assert.equal(parseWebviewMessage(bad), undefined, JSON.stringify(bad));
    }
  });

  it('rejects a message whose fields have the wrong shape', () => {
    const bad: unknown[] = [
      { type: 'selectTrace', key: '1' },
      { type: 'selectTrace', key: 1.5 },
      { type: 'exportTrace', keys: [1, 'x'] },
      { type: 'setLogLevel', level: 'verbose' },
      { type: 'mcp', reqId: 1, request: { method: 'tools/call', name: 'echo' } },
      { type: 'mcp', reqId: 1, request: { method: 'prompts/get', name: 'p', arguments: { n: 1 } } },
      { type: 'mcp', reqId: 1, request: { method: 'shutdown' } },
      { type: 'mcp', request: { method: 'tools/list' } },
    ];
    for (const message of bad) assert.equal(parseWebviewMessage(message), undefined, JSON.stringify(message));
    const badHost: unknown[] = [
      { type: 'update', metrics: [], trace: [{ ...traceRow(1), outcome: 'weird' }], logs: [] },
      { type: 'update', metrics: [], trace: [traceRow(1)] },
      { ...HOST_SAMPLES.snapshot[0], health: { ...HEALTH, tone: 'purple' } },
      { type: 'update', health: httpHealth({ ...OAUTH_FOUND, urls: [{ role: 'token_endpoint', url: 7 }] } as never), metrics: [], trace: [], logs: [] },
      { type: 'traceDetail', key: 1, entry: { seq: 1 } },
      { type: 'logLevel', level: 'trace' },
    ];
    for (const message of badHost) assert.equal(parseHostMessage(message), undefined, JSON.stringify(message).slice(0, 120));
  });

  it('reads the profile back from the state a webview saved, for restoring the panel after a reload', () => {
    assert.equal(restoredProfile({ profile: 'dev', tab: 'trace' }), 'dev');
    assert.equal(restoredProfile({ tab: 'trace' }), undefined);
    assert.equal(restoredProfile({ profile: '' }), undefined);
    assert.equal(restoredProfile(undefined), undefined);
  });
});
