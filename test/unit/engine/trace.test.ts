import { strict as assert } from 'node:assert';
import { TraceBuffer, type TraceEntry } from '../../../src/engine/trace';

function entry(seq: number, extra: Partial<TraceEntry> = {}): TraceEntry {
  return {
    seq,
    requestId: `req_${seq}`,
    channel: 'main',
    commandType: 'jsonrpc',
    receivedAt: Date.now(),
    phases: { queuedMs: 0, mcpMs: 1, postMs: 1 },
    durationMs: 2,
    outcome: 'ok',
    bytesIn: 0,
    bytesOut: 0,
    notifications: 0,
    ...extra,
  };
}

describe('TraceBuffer', () => {
  it('keeps the most recent entries, oldest first, once the ring is full', () => {
    const t = new TraceBuffer(3, false);
    for (let i = 1; i <= 5; i++) t.add(entry(i));
    assert.deepEqual(t.list().map((e) => e.seq), [3, 4, 5]);
    t.clear();
    assert.equal(t.size, 0);
  });

  it('drops payloads when capture is off and redacts them when it is on', () => {
    const off = new TraceBuffer(2, false).add(entry(1, { request: { params: { x: 1 } } }));
    assert.equal(off.request, undefined);
    const on = new TraceBuffer(2, true).add(entry(1, { request: { params: { apiKey: 'abc12345' } }, respHeaders: { Authorization: ['Bearer abcdef123'] } }));
    assert.deepEqual(on.request, { params: { apiKey: '[REDACTED]' } });
    assert.deepEqual(on.respHeaders, { Authorization: '[REDACTED]' });
  });
});
