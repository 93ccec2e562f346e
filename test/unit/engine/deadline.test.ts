import { strict as assert } from 'node:assert';
import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import { Deadline, parseResponseTimeout } from '../../../src/engine/deadline';

describe('response_timeout grammar', () => {
  it('reads digits followed by one unit of ns, us, ms, s, m or h', () => {
    assert.equal(parseResponseTimeout('30s'), 30_000);
    assert.equal(parseResponseTimeout('4500ms'), 4500);
    assert.equal(parseResponseTimeout('2m'), 120_000);
    assert.equal(parseResponseTimeout('1h'), 3_600_000);
    assert.equal(parseResponseTimeout('1500us'), 1.5);
    assert.equal(parseResponseTimeout('2000000ns'), 2);
    assert.equal(parseResponseTimeout('0s'), 0);
  });

  it('fails open (no deadline) on anything malformed, mistyped, with an unknown unit or overflowing', () => {
    for (const raw of [undefined, null, 30, '', '30', 's', '-1s', '1.5s', '1m30s', ' 30s', '30 s', '30S', '10d', '1sec', '99999999999999999999h', '9223372036854775808ns', {}, ['30s']]) {
      assert.equal(parseResponseTimeout(raw), undefined, `expected no deadline for ${JSON.stringify(raw)}`);
    }
  });

  it('never throws and never yields a negative duration for any string', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const ms = parseResponseTimeout(s);
        return ms === undefined || ms >= 0;
      }),
    );
  });
});

describe('Deadline', () => {
  it('is already expired for 0s, without waiting for a timer', () => {
    const d = Deadline.fromReceipt(performance.now(), '0s');
    assert.equal(d.expired, true);
  });

  it('counts from the poll receipt time, not from when it is created', async () => {
    const receivedAt = performance.now() - 40;
    const d = Deadline.fromReceipt(receivedAt, '50ms');
    assert.ok(d.remainingMs() <= 10, `remaining ${d.remainingMs()}`);
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(d.expired, true);
  });

  it('has no end without a valid timeout, and reports shutdown distinctly from expiry', () => {
    const parent = new AbortController();
    const d = Deadline.fromReceipt(performance.now(), 'bogus', parent.signal);
    assert.equal(d.remainingMs(), Infinity);
    parent.abort();
    assert.equal(d.signal.aborted, true);
    assert.equal(d.expired, false);
  });
});
