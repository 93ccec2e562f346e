import { strict as assert } from 'node:assert';
import Ajv from 'ajv';
import { ConfigError, fromZod } from '../../../src/profiles/errors';
// The wire's response_timeout grammar stays strict; configuration durations have their own parser.
import { parseResponseTimeout as parseDuration } from '../../../src/engine/deadline';
import { parseListenAddr, profileJsonSchema, TunnelProfileSchema, type TunnelProfileInput } from '../../../src/profiles/schema';
import { TUNNEL_ID } from './support';

function minimal(overrides: Partial<TunnelProfileInput> = {}): TunnelProfileInput {
  return {
    name: 'dev',
    controlPlane: { tunnelId: TUNNEL_ID, apiKey: 'env:CONTROL_PLANE_API_KEY' },
    mcp: { servers: [{ command: 'node server.js' }] },
    ...overrides,
  };
}

function problems(input: unknown): ConfigError[] {
  const result = TunnelProfileSchema.safeParse(input, { reportInput: true });
  assert.equal(result.success, false, 'expected the profile to be rejected');
  return fromZod(result.error!, { kind: 'settings', schema: TunnelProfileSchema }).all;
}

describe('profile schema', () => {
  it('fills every default of a minimal profile', () => {
    const profile = TunnelProfileSchema.parse(minimal());
    assert.equal(profile.controlPlane.baseUrl, 'https://api.openai.com');
    assert.equal(profile.controlPlane.maxInflightRequests, 20);
    assert.equal(profile.controlPlane.pollTimeout, '30s');
    assert.equal(profile.mcp.servers[0].channel, 'main');
    assert.equal(profile.mcp.maxConcurrentRequests, 10);
    assert.deepEqual(profile.health, { listenAddr: '127.0.0.1:8080' });
    assert.deepEqual(profile.log, { level: 'info', format: 'text' });
    assert.deepEqual(profile.trace, { capturePayloads: false, maxEntries: 1000 });
  });

  it('takes profile names as the reference daemon does: up to 128 characters, a letter or digit first', () => {
    assert.equal(TunnelProfileSchema.safeParse(minimal({ name: `p${'x'.repeat(127)}` })).success, true);
    for (const name of [`p${'x'.repeat(128)}`, '.hidden', '-dash', '']) {
      const [problem] = problems(minimal({ name }));
      assert.equal(problem?.field, 'name', name);
      assert.match(problem!.problem, /1 to 128 letters.*starting with a letter or digit/);
    }
  });

  it('requires https for the control plane except on loopback', () => {
    const plain = problems(minimal({ controlPlane: { tunnelId: TUNNEL_ID, baseUrl: 'http://tunnel.example.com' } }));
    assert.equal(plain[0].field, 'controlPlane.baseUrl');
    assert.match(plain[0].problem, /must use https/);
    for (const local of ['http://127.0.0.1:9999', 'http://localhost:1234', 'http://[::1]:80']) {
      assert.ok(TunnelProfileSchema.safeParse(minimal({ controlPlane: { tunnelId: TUNNEL_ID, baseUrl: local } })).success, local);
    }
  });

  it('points to the Platform tunnel settings for a malformed tunnel id', () => {
    const [error] = problems(minimal({ controlPlane: { tunnelId: 'tunnel_ABC' } }));
    assert.equal(error.field, 'controlPlane.tunnelId');
    assert.match(error.fix, /Platform tunnel settings/);
  });

  it('refuses extra headers that would override a protocol header, in any case, naming it', () => {
    const [error] = problems(minimal({ controlPlane: { tunnelId: TUNNEL_ID, extraHeaders: { 'x-tunnel-shard-token': 'a', 'X-Team': 'b' } } }));
    assert.equal(error.field, 'controlPlane.extraHeaders.x-tunnel-shard-token');
    assert.match(error.problem, /X-Tunnel-Shard-Token/);
    const auth = problems(minimal({ controlPlane: { tunnelId: TUNNEL_ID, extraHeaders: { AUTHORIZATION: 'Bearer x' } } }));
    assert.match(auth[0].message, /Authorization/);
  });

  it('needs exactly one of command and url per server, with unique channels', () => {
    assert.match(problems(minimal({ mcp: { servers: [{ command: 'a', url: 'https://x/mcp' }] } }))[0].problem, /both command and url/);
    assert.match(problems(minimal({ mcp: { servers: [{ channel: 'main' }] } }))[0].problem, /needs a command or a url/);
    const dup = problems(minimal({ mcp: { servers: [{ command: 'a' }, { url: 'https://x/mcp' }] } }));
    assert.equal(dup[0].field, 'mcp.servers[1].channel');
    assert.match(dup[0].problem, /already the channel of server 1/);
    assert.equal(problems(minimal({ mcp: { servers: [] } }))[0].field, 'mcp.servers');
    assert.match(problems(minimal({ mcp: { servers: [{ channel: 'Main!', command: 'a' }] } }))[0].problem, /lowercase/);
  });

  it('keeps stdio-only and http-only options on their kind of server', () => {
    const [error] = problems(minimal({ mcp: { servers: [{ command: 'a', headers: { 'X-A': 'b' } }] } }));
    assert.equal(error.field, 'mcp.servers[0].headers');
    assert.match(problems(minimal({ mcp: { servers: [{ url: 'https://x/mcp', clientCert: '/c.pem' }] } }))[0].problem, /without a client key/);
  });

  it('names the field and its range for out-of-range numbers and bad durations', () => {
    const errors = problems(
      minimal({
        controlPlane: { tunnelId: TUNNEL_ID, maxInflightRequests: 0, pollTimeout: '1.5' },
        mcp: { servers: [{ command: 'a' }], maxConcurrentRequests: 0 },
      }),
    );
    const byField = new Map(errors.map((e) => [e.field, e]));
    assert.match(byField.get('controlPlane.maxInflightRequests')!.problem, /between 1 and 10000/);
    assert.match(byField.get('controlPlane.pollTimeout')!.problem, /must be a duration/);
    assert.match(byField.get('controlPlane.pollTimeout')!.fix, /30s/);
    // no upper bound: the reference daemon has none
    assert.match(byField.get('mcp.maxConcurrentRequests')!.problem, /at least 1/);
  });

  it('accepts an empty health address (health server off) and rejects a malformed one', () => {
    assert.ok(TunnelProfileSchema.safeParse(minimal({ health: { listenAddr: '' } })).success);
    assert.equal(problems(minimal({ health: { listenAddr: 'localhost' } }))[0].field, 'health.listenAddr');
    assert.deepEqual(parseListenAddr('[::1]:0'), { host: '::1', port: 0 });
    assert.deepEqual(parseListenAddr(':8080'), { host: undefined, port: 8080 });
    assert.equal(parseListenAddr('127.0.0.1:70000'), undefined);
  });

  it('lists the allowed keys next to an unknown one', () => {
    const [error] = problems({ ...minimal(), log: { levle: 'debug' } });
    assert.equal(error.field, 'log.levle');
    assert.match(error.fix, /Did you mean level\?/);
    assert.match(error.fix, /Allowed keys in log: level, format/);
  });

  it('parses durations with exactly one unit', () => {
    assert.equal(parseDuration('30s'), 30_000);
    assert.equal(parseDuration('4500ms'), 4500);
    assert.equal(parseDuration('2m'), 120_000);
    assert.equal(parseDuration('1h'), 3_600_000);
    assert.equal(parseDuration('1500us'), 1.5);
    for (const bad of ['1m30s', '1.5s', '30', 's', '-1s', '30 s', '']) assert.equal(parseDuration(bad), undefined, bad);
  });
});

describe('profile JSON schema', () => {
  const schema = profileJsonSchema() as {
    properties: Record<string, { properties: Record<string, Record<string, unknown>>; description?: string }>;
    required: string[];
  };

  it('describes fields and carries their defaults and enums', () => {
    const controlPlane = schema.properties.controlPlane.properties;
    assert.equal(controlPlane.baseUrl.default, 'https://api.openai.com');
    assert.equal(controlPlane.maxInflightRequests.default, 20);
    assert.equal(controlPlane.maxInflightRequests.maximum, 10000);
    assert.equal(controlPlane.pollTimeout.default, '30s');
    assert.match(String(controlPlane.tunnelId.description), /Platform tunnel settings/);
    assert.ok(controlPlane.tunnelId.pattern);
    assert.match(String(controlPlane.apiKey.markdownDescription), /`env:NAME`/);
    assert.deepEqual(schema.properties.log.properties.level.enum, ['debug', 'info', 'warn', 'error']);
    assert.equal(schema.properties.log.properties.level.default, 'info');
    assert.equal(schema.properties.health.properties.listenAddr.default, '127.0.0.1:8080');
    assert.deepEqual([...schema.required].sort(), ['controlPlane', 'mcp', 'name']);
  });

  it('gives every property a description', () => {
    const missing: string[] = [];
    const walk = (node: unknown, where: string) => {
      if (!node || typeof node !== 'object') return;
      const n = node as { properties?: Record<string, unknown>; items?: unknown; description?: string };
      for (const [key, child] of Object.entries(n.properties ?? {})) {
        if (!(child as { description?: string }).description) missing.push(`${where}.${key}`);
        walk(child, `${where}.${key}`);
      }
      if (n.items) walk(n.items, `${where}[]`);
    };
    walk(schema, 'profile');
    assert.deepEqual(missing, []);
  });

  it('validates what a user writes in settings.json, and rejects typos', () => {
    const validate = new Ajv({ strict: false }).compile(schema);
    assert.ok(validate(minimal()), JSON.stringify(validate.errors));
    assert.equal(validate({ ...minimal(), helth: {} }), false);
  });
});
