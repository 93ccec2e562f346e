/** fast-check arbitraries for hostile input: shared by the unit and the integration fuzz tests. */
import fc from 'fast-check';

/** Any JSON value, with strings of every code point (controls included) and some very long ones. */
export const hostileJson = (): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.jsonValue({ maxDepth: 6 }) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 64 }) },
    { weight: 1, arbitrary: fc.nat({ max: 200_000 }).map((n) => 'z'.repeat(n)) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 2000 }).map((depth) => JSON.parse('['.repeat(depth) + ']'.repeat(depth)) as unknown) },
  );

/** A command whose every field may hold anything, alongside well-typed ones. */
export const hostileCommand = (): fc.Arbitrary<Record<string, unknown>> =>
  fc.record(
    {
      request_id: fc.oneof(fc.string({ unit: 'binary' }), hostileJson()),
      shard_token: fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.constant('shard_ok'), hostileJson()),
      command_type: fc.oneof(fc.constantFrom('jsonrpc', 'session_termination', 'oauth_discovery', ''), hostileJson()),
      channel: fc.oneof(fc.constantFrom('main', ''), fc.string({ unit: 'binary' }), hostileJson()),
      created_at: hostileJson(),
      response_timeout: fc.oneof(fc.constantFrom('30s', '0s', '4500ms', '1h'), hostileJson()),
      headers: fc.oneof(fc.dictionary(fc.string(), fc.array(fc.string({ unit: 'binary' }))), hostileJson()),
      jsonrpc: fc.oneof(
        fc.record(
          { jsonrpc: fc.oneof(fc.constant('2.0'), hostileJson()), id: hostileJson(), method: fc.oneof(fc.string(), hostileJson()), params: hostileJson(), result: hostileJson(), error: hostileJson() },
          { requiredKeys: [] },
        ),
        hostileJson(),
      ),
    },
    { requiredKeys: [] },
  );

