import { strict as assert } from 'node:assert';
import { EMPTY_FILTER, filterRows, methodOf, NO_SESSION, PROBLEMS, TraceStore, type TraceFilter } from '../../../webview/model/traceFilter';
import { traceRow } from './fixtures';

const ROWS = [
  traceRow(1, { method: 'initialize', toolName: undefined, sessionId: undefined, preview: '{"protocolVersion":"2025-06-18"}' }),
  traceRow(2, { toolName: 'echo', preview: '{"name":"echo","arguments":{"message":"Hello World"}}' }),
  traceRow(3, { toolName: 'add', outcome: 'error', errorCode: -32602, sessionId: 'session-b', preview: '{"name":"add","arguments":{"a":1}}' }),
  traceRow(4, { method: undefined, commandType: 'session_termination', toolName: undefined, jsonrpcId: undefined, captured: false, preview: undefined }),
  traceRow(5, { toolName: 'echo', outcome: 'failure', failure: { version: 1, source: 'transport_closed', upstream_response_received: false }, origin: 'local' }),
];

const keys = (filter: Partial<TraceFilter>) => filterRows(ROWS, { ...EMPTY_FILTER, ...filter }).map((r) => r.key);

describe('trace filters', () => {
  it('let everything through when empty', () => {
    assert.equal(filterRows(ROWS, EMPTY_FILTER), ROWS);
  });

  it('match the method exactly, and session closes by their own name', () => {
    assert.deepEqual(keys({ method: 'tools/call' }), [2, 3, 5]);
    assert.deepEqual(keys({ method: 'tools' }), []);
    assert.deepEqual(keys({ method: 'session_termination' }), [4]);
  });

  it('name an OAuth discovery command by its type, not as a response', () => {
    const row = traceRow(6, { method: undefined, commandType: 'oauth_discovery', toolName: undefined, jsonrpcId: undefined, captured: false, preview: undefined });
    assert.equal(methodOf(row), 'oauth_discovery');
    assert.deepEqual(filterRows([...ROWS, row], { ...EMPTY_FILTER, method: 'oauth_discovery' }).map((r) => r.key), [6]);
    assert.equal(methodOf(traceRow(7, { method: undefined })), '(response)');
  });

  it('match an outcome, or every outcome but ok', () => {
    assert.deepEqual(keys({ outcome: 'error' }), [3]);
    assert.deepEqual(keys({ outcome: PROBLEMS }), [3, 5]);
  });

  it('match a session, or exchanges without one', () => {
    assert.deepEqual(keys({ session: 'session-b' }), [3]);
    assert.deepEqual(keys({ session: NO_SESSION }), [1]);
  });

  it('find every word of the text, case-insensitively, in tool, params, error code, failure and origin', () => {
    assert.deepEqual(keys({ text: 'ECHO' }), [2, 5]);
    assert.deepEqual(keys({ text: 'hello world' }), [2]);
    assert.deepEqual(keys({ text: '-32602' }), [3]);
    assert.deepEqual(keys({ text: 'transport_closed' }), [5]);
    assert.deepEqual(keys({ text: 'local echo' }), [5]);
    assert.deepEqual(keys({ text: '   ' }), [1, 2, 3, 4, 5]);
  });

  it('combine every criterion', () => {
    assert.deepEqual(keys({ method: 'tools/call', outcome: PROBLEMS, text: 'echo' }), [5]);
  });
});

describe('TraceStore', () => {
  it('keeps at most its capacity, dropping the oldest, and offers the remaining methods and sessions', () => {
    const store = new TraceStore(3);
    store.reset(ROWS);
    assert.deepEqual(store.rows().map((r) => r.key), [3, 4, 5]);
    const { methods, sessions } = store.facets();
    assert.deepEqual(methods, ['tools/call', 'session_termination']);
    assert.deepEqual(sessions.sort(), ['session-a', 'session-b']);
  });

  it('holds new rows back while paused and shows them on resume', () => {
    const store = new TraceStore(100);
    store.reset(ROWS.slice(0, 2));
    store.setPaused(true);
    store.append(ROWS.slice(2));
    assert.equal(store.size, 2);
    assert.equal(store.pending, 3);
    assert.deepEqual(store.filtered(EMPTY_FILTER).map((r) => r.key), [1, 2]);
    store.setPaused(false);
    assert.equal(store.size, 5);
    assert.deepEqual(store.filtered({ ...EMPTY_FILTER, outcome: PROBLEMS }).map((r) => r.key), [3, 5]);
  });

  it('reuses the filtered list until rows or the filter change', () => {
    const store = new TraceStore(100);
    store.reset(ROWS);
    const filter = { ...EMPTY_FILTER, text: 'echo' };
    const first = store.filtered(filter);
    assert.equal(store.filtered({ ...filter }), first);
    store.append([traceRow(6, { toolName: 'echo' })]);
    assert.deepEqual(store.filtered(filter).map((r) => r.key), [2, 5, 6]);
  });

  it('finds a row by key and forgets everything on clear', () => {
    const store = new TraceStore(100);
    store.reset(ROWS);
    assert.equal(store.find(4)?.commandType, 'session_termination');
    assert.equal(store.find(42), undefined);
    store.clear();
    assert.equal(store.size, 0);
    assert.deepEqual(store.facets(), { methods: [], sessions: [] });
  });

  it('filters 10,000 rows (how fast is measured by npm run bench:dashboard, not here)', () => {
    const many = Array.from({ length: 10_000 }, (_, i) => traceRow(i + 1, { toolName: i % 10 === 0 ? 'add' : 'echo', preview: `{"message":"m${i}"}` }));
    assert.equal(filterRows(many, { ...EMPTY_FILTER, method: 'tools/call', text: 'add' }).length, 1000);
    assert.equal(filterRows(many, { ...EMPTY_FILTER, text: '"m9999"' }).length, 1);
  });
});
