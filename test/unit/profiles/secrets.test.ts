import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import fc from 'fast-check';
import { ConfigError } from '../../../src/profiles/errors';
import { resolveSecret, type SecretOptions } from '../../../src/profiles/secrets';
import { API_KEY, writeFile, failure, tempDirPerTest } from './support';

describe('secret references', () => {
  let dir: string;
  tempDirPerTest((d) => (dir = d));

  it('reads env:NAME from the given environment', async () => {
    assert.equal(await resolveSecret('env:TUNNEL_KEY', { env: { TUNNEL_KEY: API_KEY } }), API_KEY);
  });

  it('says which variable to export when env:NAME is unset or empty', async () => {
    for (const env of [{}, { TUNNEL_KEY: '' }]) {
      const error = await failure(resolveSecret('env:TUNNEL_KEY', { env, field: 'control_plane.api_key', hint: "run 'MCP Tunnel: Set API Key' in VS Code" }));
      assert.equal(error.field, 'control_plane.api_key');
      assert.equal(error.fix, "Export TUNNEL_KEY, or run 'MCP Tunnel: Set API Key' in VS Code");
    }
  });

  it('reads file:PATH trimmed, and warns when others can read the file', async () => {
    const privateFile = await writeFile(dir, 'key', `${API_KEY}\n`, 0o600);
    const warnings: string[] = [];
    assert.equal(await resolveSecret(`file:${privateFile}`, { env: {}, warnings }), API_KEY);
    assert.deepEqual(warnings, []);

    const shared = await writeFile(dir, 'shared-key', `  ${API_KEY}  \n`, 0o644);
    assert.equal(await resolveSecret(`file:${shared}`, { env: {}, warnings, field: 'api_key' }), API_KEY);
    if (process.platform !== 'win32') {
      assert.equal(warnings.length, 1);
      assert.match(warnings[0], /can be read by other users \(mode 644\)\. Run chmod 600/);
      assert.doesNotMatch(warnings[0], /sk-proj/);
    }
  });

  it('expands ~/ in file references', async () => {
    await writeFile(dir, 'k', API_KEY);
    assert.equal(await resolveSecret('file:~/k', { env: {}, homedir: dir }), API_KEY);
  });

  it('explains a missing or empty key file', async () => {
    const missing = await failure(resolveSecret(`file:${path.join(dir, 'absent')}`, { env: {}, field: 'api_key' }));
    assert.match(missing.problem, /cannot read the file .*absent \(ENOENT\)/);
    const empty = await writeFile(dir, 'empty', '\n');
    assert.match((await failure(resolveSecret(`file:${empty}`, { env: {} }))).problem, /is empty/);
  });

  it('reads secret:KEY from the editor secret store, and explains its absence elsewhere', async () => {
    const store = new Map([['prod', API_KEY]]);
    assert.equal(await resolveSecret('secret:prod', { env: {}, secretStore: { get: (k) => store.get(k) } }), API_KEY);
    assert.match((await failure(resolveSecret('secret:prod', { env: {} }))).fix, /env:NAME or file:PATH/);
    assert.match((await failure(resolveSecret('secret:dev', { env: {}, secretStore: { get: (k) => store.get(k) } }))).problem, /dev is not set/);
  });

  it('passes a literal value through', async () => {
    assert.equal(await resolveSecret('plain-value', { env: {} }), 'plain-value');
  });

  it('never puts a secret value into an error message or warning', async () => {
    const secretArb = fc.stringMatching(/^[A-Za-z0-9_-]{8,40}$/);
    await fc.assert(
      fc.asyncProperty(secretArb, fc.constantFrom('env', 'file-empty-name', 'secret', 'file-missing'), async (secret, kind) => {
        const warnings: string[] = [];
        // The secret sits where a mistake could echo it: in other variables, and as a store key.
        const opts: SecretOptions = { env: { OTHER: secret, EMPTY: '' }, warnings, field: 'api_key', readFile: async () => { throw Object.assign(new Error(secret), { code: 'EACCES' }); } };
        const ref = kind === 'env' ? 'env:EMPTY' : kind === 'secret' ? 'secret:missing' : kind === 'file-missing' ? '/nope' : 'file:/run/key';
        const error = await resolveSecret(kind === 'file-missing' ? `file:${ref}` : ref, opts).then(
          () => undefined,
          (e: Error) => e,
        );
        const text = JSON.stringify([error?.message, (error as ConfigError | undefined)?.fix, warnings]);
        return !text.includes(secret);
      }),
      { numRuns: 200 },
    );
  });
});
