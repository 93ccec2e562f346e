import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { SseEventTooLargeError, SseParser, type SseEvent } from '../../../src/engine/mcp/sse';

function parse(chunks: Array<string | Uint8Array>, options?: { maxEventLength?: number }): SseEvent[] {
  const events: SseEvent[] = [];
  const parser = new SseParser((e) => events.push(e), options);
  for (const chunk of chunks) parser.push(chunk);
  parser.end();
  return events;
}

describe('SseParser', () => {
  it('dispatches an event on a blank line with its type, data and id', () => {
    const events = parse(['event: message\nid: 42\ndata: {"a":1}\n\n']);
    assert.deepEqual(events, [{ type: 'message', data: '{"a":1}', lastEventId: '42' }]);
  });

  it('joins several data lines with a line feed', () => {
    assert.deepEqual(parse(['data: one\ndata: two\ndata:\ndata: three\n\n'])[0]?.data, 'one\ntwo\n\nthree');
  });

  it('names an event without an event field "message"', () => {
    assert.equal(parse(['data: x\n\n'])[0]?.type, 'message');
    assert.equal(parse(['event: ping\ndata: x\n\n'])[0]?.type, 'ping');
  });

  it('accepts LF, CRLF and CR line endings, also mixed', () => {
    const expected = [
      { type: 'message', data: 'a', lastEventId: '' },
      { type: 'message', data: 'b', lastEventId: '' },
    ];
    assert.deepEqual(parse(['data: a\n\ndata: b\n\n']), expected);
    assert.deepEqual(parse(['data: a\r\n\r\ndata: b\r\n\r\n']), expected);
    assert.deepEqual(parse(['data: a\r\rdata: b\r\r']), expected);
    assert.deepEqual(parse(['data: a\r\n\ndata: b\n\r\n']), expected);
  });

  it('treats a CRLF split across two chunks as one line ending', () => {
    assert.deepEqual(parse(['data: a\r', '\ndata: b\r', '\n\r', '\n']), [{ type: 'message', data: 'a\nb', lastEventId: '' }]);
  });

  it('ignores comments such as keep-alives', () => {
    assert.deepEqual(parse([': keepalive\n\n', ':\ndata: x\n: mid-event comment\n\n']), [
      { type: 'message', data: 'x', lastEventId: '' },
    ]);
  });

  it('removes exactly one space after the colon', () => {
    assert.equal(parse(['data:  two spaces\n\n'])[0]?.data, ' two spaces');
    assert.equal(parse(['data:none\n\n'])[0]?.data, 'none');
  });

  it('treats a line without a colon as a field with an empty value', () => {
    assert.deepEqual(parse(['data\n\n']), [{ type: 'message', data: '', lastEventId: '' }]);
  });

  it('does not dispatch a block that carried no data, but keeps its id', () => {
    const events = parse(['id: 7\nevent: x\n\n', 'data: y\n\n']);
    assert.deepEqual(events, [{ type: 'message', data: 'y', lastEventId: '7' }]);
  });

  it('dispatches an empty-data event such as the MCP SDK priming event', () => {
    assert.deepEqual(parse(['id: p1\ndata: \n\n']), [{ type: 'message', data: '', lastEventId: 'p1' }]);
  });

  it('carries the last id over to later events and ignores ids containing NUL', () => {
    const events = parse(['id: 1\ndata: a\n\ndata: b\n\nid: bad\0id\ndata: c\n\nid\ndata: d\n\n']);
    assert.deepEqual(
      events.map((e) => e.lastEventId),
      ['1', '1', '1', ''],
    );
  });

  it('reports a numeric retry on its event and ignores a non-numeric one', () => {
    const events = parse(['retry: 3000\ndata: a\n\nretry: soon\ndata: b\n\n']);
    assert.equal(events[0]?.retry, 3000);
    assert.equal(events[1]?.retry, undefined);
  });

  it('ignores unknown fields', () => {
    assert.deepEqual(parse(['foo: bar\ndata: x\n\n']), [{ type: 'message', data: 'x', lastEventId: '' }]);
  });

  it('discards an event that the stream ends before its blank line', () => {
    assert.deepEqual(parse(['data: complete\n\ndata: partial\n']), [{ type: 'message', data: 'complete', lastEventId: '' }]);
    assert.deepEqual(parse(['data: no newline at all']), []);
  });

  it('strips a leading byte order mark', () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('data: x\n\n')]);
    assert.deepEqual(parse([bytes]), [{ type: 'message', data: 'x', lastEventId: '' }]);
  });

  it('decodes UTF-8 characters split across chunks', () => {
    const bytes = Buffer.from('data: héllo 🌍\n\n');
    const chunks = Array.from(bytes, (b) => Uint8Array.of(b));
    assert.equal(parse(chunks)[0]?.data, 'héllo 🌍');
  });

  it('emits each event as soon as its blank line arrives, before the stream ends', () => {
    const events: SseEvent[] = [];
    const parser = new SseParser((e) => events.push(e));
    parser.push('data: first\n');
    assert.equal(events.length, 0);
    parser.push('\ndata: second');
    assert.deepEqual(events.map((e) => e.data), ['first']);
  });

  it('handles a multi-megabyte data line delivered in small chunks', () => {
    const big = 'x'.repeat(3 * 1024 * 1024);
    const text = `data: ${big}\n\n`;
    const chunks: string[] = [];
    for (let i = 0; i < text.length; i += 16 * 1024) chunks.push(text.slice(i, i + 16 * 1024));
    const events = parse(chunks);
    assert.equal(events.length, 1);
    assert.equal(events[0]?.data.length, big.length);
  });

  it('refuses an event larger than the limit, even before its line ends', () => {
    assert.throws(() => parse(['data: ' + 'x'.repeat(100)], { maxEventLength: 50 }), SseEventTooLargeError);
    assert.throws(() => parse(['data: ' + 'x'.repeat(30) + '\n', 'data: ' + 'y'.repeat(30) + '\n'], { maxEventLength: 50 }), SseEventTooLargeError);
    assert.equal(parse(['data: ' + 'x'.repeat(30) + '\n\n', 'data: ' + 'y'.repeat(30) + '\n\n'], { maxEventLength: 50 }).length, 2);
  });

  it('gives the same events however the stream is split into chunks', () => {
    const stream = 'event: message\r\nid: 1\r\ndata: {"a":"é"}\r\n\r\n: ping\n\ndata: l1\rdata: l2\r\r' + 'retry: 10\ndata: last\n\n';
    const whole = parse([Buffer.from(stream)]);
    assert.equal(whole.length, 3);
    const bytes = Buffer.from(stream);
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 12 }), (cuts) => {
        const points = [0, ...cuts.sort((a, b) => a - b), bytes.length];
        const chunks = points.slice(1).map((end, i) => bytes.subarray(points[i], end));
        assert.deepEqual(parse(chunks), whole);
      }),
    );
  });
});
