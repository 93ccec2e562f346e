import { strict as assert } from 'node:assert';
import { filterResponseHeaders } from '../../../src/engine/mcp/responseHeaders';

describe('filterResponseHeaders', () => {
  it('keeps only allowlisted headers, spelled as the allowlist spells them', () => {
    const out = filterResponseHeaders({
      'content-type': 'text/event-stream',
      'mcp-session-id': 'abc',
      'MCP-PROTOCOL-VERSION': '2025-11-25',
      'last-event-id': 'ev-1',
      'access-control-expose-headers': 'mcp-session-id',
      'www-authenticate': 'Bearer realm="x"',
      'set-cookie': ['a=1'],
      server: 'express',
      'x-powered-by': 'Express',
      'cache-control': 'no-cache',
    });
    assert.deepEqual(out, {
      'Content-Type': ['text/event-stream'],
      'Mcp-Session-Id': ['abc'],
      'Mcp-Protocol-Version': ['2025-11-25'],
      'Last-Event-ID': ['ev-1'],
      'Access-Control-Expose-Headers': ['mcp-session-id'],
      'WWW-Authenticate': ['Bearer realm="x"'],
    });
  });

  it('keeps every value of a multi-valued header as a list, in order', () => {
    const out = filterResponseHeaders({ 'www-authenticate': ['Bearer realm="a"', 'Basic realm="b"'] });
    assert.deepEqual(out, { 'WWW-Authenticate': ['Bearer realm="a"', 'Basic realm="b"'] });
  });

  it('merges two spellings of one header into one list', () => {
    const out = filterResponseHeaders({ 'Mcp-Session-Id': 'a', 'mcp-session-id': ['b'] });
    assert.deepEqual(out, { 'Mcp-Session-Id': ['a', 'b'] });
  });

  it('drops Connection and every header it names, even allowlisted ones', () => {
    const out = filterResponseHeaders({
      connection: 'keep-alive, Mcp-Session-Id',
      'mcp-session-id': 'secret-hop',
      'content-type': 'application/json',
    });
    assert.deepEqual(out, { 'Content-Type': ['application/json'] });
  });

  it('reads the names in every Connection value, whatever their case or spacing', () => {
    const out = filterResponseHeaders({
      'content-type': 'application/json',
      Connection: ['close', ' last-event-id ,WWW-AUTHENTICATE'],
      'last-event-id': '7',
      'www-authenticate': 'Bearer',
    });
    assert.deepEqual(out, { 'Content-Type': ['application/json'] });
  });

  it('drops empty and blank values and headers left with none', () => {
    const out = filterResponseHeaders({
      'mcp-session-id': '',
      'last-event-id': ['  ', '5'],
      'www-authenticate': [],
      'content-type': undefined,
    });
    assert.deepEqual(out, { 'Last-Event-ID': ['5'] });
  });

  it('returns an empty map for no headers', () => {
    assert.deepEqual(filterResponseHeaders({}), {});
  });
});
