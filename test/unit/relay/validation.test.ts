import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import fc from 'fast-check';
import { checkResponsePayload } from '../../../src/relay/responsePayload';
import { serverInfoProblem } from '../../../src/relay/serverInfo';
import { REFERENCE } from '../../helpers/openapi';

const SPEC = path.join(REFERENCE, 'tunnel-client-openapi.json');

describe('relay response payload validation', () => {
  const ajv = new Ajv2020({ strict: false });
  ajv.addSchema(JSON.parse(readFileSync(SPEC, 'utf8')), 'openapi.json');
  const schema = ajv.getSchema('openapi.json#/components/schemas/TunnelResponsePayload')!;

  it('agrees with the OpenAPI TunnelResponsePayload schema on arbitrary bodies', () => {
    const name = fc.stringMatching(/^[A-Za-z-]{1,12}$/);
    const anything = fc.oneof(
      fc.string(),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.string(), { maxLength: 2 }),
      fc.dictionary(name, fc.oneof(fc.array(fc.string(), { maxLength: 2 }), fc.string())),
    );
    const body = fc.record(
      {
        request_id: fc.oneof(fc.string(), anything),
        channel: fc.oneof(fc.string(), fc.constant(null), anything),
        resp_json: fc.oneof(fc.dictionary(name, fc.jsonValue()), fc.constant(null), anything),
        resp_headers: fc.oneof(fc.dictionary(name, fc.array(fc.string(), { maxLength: 2 })), anything),
        resp_code: fc.oneof(fc.integer({ min: 100, max: 599 }), anything),
        resp_type: fc.oneof(fc.constantFrom('jsonrpc_response', 'jsonrpc_notify', 'notify_ack', 'session_termination_response', 'final'), anything),
        shard_token: fc.string(),
        extra: anything,
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(body, anything), (value) => {
        const expected = schema(value);
        const actual = checkResponsePayload(structuredClone(value)).ok;
        assert.equal(actual, expected, JSON.stringify(value));
      }),
      { numRuns: 3000 },
    );
  });

  it('fills the default resp_type of a valid body', () => {
    const check = checkResponsePayload({ request_id: 'req_1', resp_code: 204 });
    assert.ok(check.ok);
    assert.equal(check.payload.resp_type, 'jsonrpc_response');
  });

  it('names shard_token in the body as its own reason', () => {
    const check = checkResponsePayload({ request_id: 'req_1', resp_code: 200, shard_token: 's' });
    assert.equal(check.ok, false);
    assert.equal(!check.ok && check.reason, 'shard_token_in_body');
  });
});

describe('X-Tunnel-MCP-Server-Info validation', () => {
  const ok = [
    '{"version":1,"channels":[{"name":"main","proc_affinity":true}]}',
    '{"version":1,"channels":[{"name":"main"}]}',
    '{"version":1,"channels":[{"name":"main","proc_affinity":true},{"name":"harpoon","proc_affinity":true}]}',
    '{"version":1,"channels":[]}',
  ];
  for (const value of ok) {
    it(`accepts ${value}`, () => assert.equal(serverInfoProblem(value), undefined));
  }

  const bad: [string, string, RegExp][] = [
    ['proc_affinity false', '{"version":1,"channels":[{"name":"main","proc_affinity":false}]}', /proc_affinity/],
    ['a duplicate name', '{"version":1,"channels":[{"name":"a"},{"name":"a"}]}', /unique/],
    ['a URL key', '{"version":1,"channels":[{"name":"a","url":"http://x"}]}', /unknown channel key/],
    ['an extra top-level key', '{"version":1,"channels":[],"command":"npx"}', /unknown top-level key/],
    ['version 2', '{"version":2,"channels":[]}', /version/],
    ['an upper-case name', '{"version":1,"channels":[{"name":"Main"}]}', /name/],
    ['33 channels', JSON.stringify({ version: 1, channels: Array.from({ length: 33 }, (_, i) => ({ name: `c${i}` })) }), /32/],
    ['more than 4096 bytes', JSON.stringify({ version: 1, channels: [{ name: 'a'.repeat(4100) }] }), /4096/],
    ['non-JSON', 'main', /JSON/],
  ];
  for (const [what, value, reason] of bad) {
    it(`flags ${what}`, () => assert.match(serverInfoProblem(value) ?? '', reason));
  }
});
