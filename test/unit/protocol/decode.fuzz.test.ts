/**
 * Property tests over the poll decoder and the JSON-RPC shape check, with
 * arbitrary JSON: wrong types in every field, huge and deep values, control
 * characters. Nothing throws, and nothing is accepted without what an answer
 * needs.
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { jsonRpcProblem } from '../../../src/protocol/jsonrpc';
import { decodeCommand } from '../../../src/protocol/wire';
import { hostileCommand, hostileJson } from '../../helpers/hostile';

export const FUZZ_RUNS = 2500;

describe('poll decoding under arbitrary input', () => {
  it('never throws, and accepts a command only with a string request_id and a shard token a header can carry', () => {
    fc.assert(
      fc.property(fc.oneof(hostileCommand(), hostileJson()), (raw) => {
        const decoded = decodeCommand(raw);
        if (decoded.ok === false) return;
        const { command } = decoded;
        assert.equal(typeof command.request_id, 'string');
        assert.match(command.shard_token, /^[\t\x20-\x7e\x80-\xff]*$/);
        assert.equal(typeof command.channel, 'string');
        if (decoded.ok === 'invalid') {
          assert.equal(typeof decoded.command.invalid, 'string');
          assert.ok(decoded.command.answerId === null || ['string', 'number'].includes(typeof decoded.command.answerId));
        } else if (command.command_type === 'jsonrpc') {
          const message = command.jsonrpc as Record<string, unknown>;
          assert.equal(jsonRpcProblem(message), undefined);
          if ('method' in message) assert.equal(typeof message.method, 'string');
        }
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  it('jsonRpcProblem names a reason for every message whose method, id, result or error has the wrong type', () => {
    fc.assert(
      fc.property(hostileJson(), hostileJson(), (method, id) => {
        fc.pre(typeof method !== 'string' || method === '');
        assert.equal(typeof jsonRpcProblem({ jsonrpc: '2.0', id: 1, method }), 'string');
        fc.pre(!(typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id))));
        assert.equal(typeof jsonRpcProblem({ jsonrpc: '2.0', id, method: 'ping' }), 'string');
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  it('the message that once crashed the daemon is refused with its reason', () => {
    assert.equal(jsonRpcProblem({ jsonrpc: '2.0', id: 1, method: ['v'], result: {} }), 'method must be a non-empty string');
    const decoded = decodeCommand({ request_id: 'r', shard_token: 's', jsonrpc: { jsonrpc: '2.0', id: 1, method: ['v'], result: {} } });
    assert.equal(decoded.ok, 'invalid');
  });
});
