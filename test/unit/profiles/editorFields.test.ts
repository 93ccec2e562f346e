/** The profile fields the editor adds: `mcpServer`, `envFile`, and an API key from secret storage. */
import { strict as assert } from 'node:assert';
import { ConfigError, fromZod } from '../../../src/profiles/errors';
import { resolveProfile } from '../../../src/profiles/resolve';
import { TunnelProfileSchema, type McpServerInput } from '../../../src/profiles/schema';
import type { SecretStore } from '../../../src/profiles/secrets';
import { API_KEY, TUNNEL_ID, writeFile, failure, tempDirPerTest } from './support';

function input(servers: McpServerInput[], apiKey?: string) {
  return { name: 'dev', controlPlane: { tunnelId: TUNNEL_ID, ...(apiKey ? { apiKey } : {}) }, mcp: { servers } };
}

function problems(value: unknown): ConfigError[] {
  const result = TunnelProfileSchema.safeParse(value, { reportInput: true });
  assert.equal(result.success, false, 'expected the profile to be rejected');
  return fromZod(result.error!, { kind: 'settings', schema: TunnelProfileSchema }).all;
}

function store(values: Record<string, string>): SecretStore & { asked: string[] } {
  const asked: string[] = [];
  return { asked, get: (key) => (asked.push(key), values[key]) };
}

describe('editor profile fields', () => {
  let dir: string;
  tempDirPerTest((d) => (dir = d));

  it('accepts a server named by mcpServer alone, and no other kind or option beside it', () => {
    assert.ok(TunnelProfileSchema.safeParse(input([{ mcpServer: 'everything' }, { channel: 'b', mcpServer: 'github' }])).success);
    const [both] = problems(input([{ command: 'node s.js', mcpServer: 'everything' }]));
    assert.equal(both.field, 'mcp.servers[0].mcpServer');
    assert.match(both.problem, /sets both command and mcpServer/);
    const [extra] = problems(input([{ mcpServer: 'everything', env: { A: 'b' } }]));
    assert.equal(extra.field, 'mcp.servers[0].env');
    assert.match(extra.fix, /come from \.vscode\/mcp\.json/);
    assert.match(problems(input([{ mcpServer: '' }]))[0].problem, /must not be empty/);
  });

  it('takes envFile on a command server only', () => {
    assert.ok(TunnelProfileSchema.safeParse(input([{ command: 'node s.js', envFile: '.env' }])).success);
    const [error] = problems(input([{ url: 'https://x/mcp', envFile: '.env' }]));
    assert.equal(error.field, 'mcp.servers[0].envFile');
    assert.match(error.problem, /only applies to a command server/);
  });

  it('uses the key stored for the profile when apiKey is left out', async () => {
    const secrets = store({ 'profile:dev': API_KEY });
    const config = await resolveProfile(TunnelProfileSchema.parse(input([{ command: 'node s.js' }])), { env: {}, secretStore: secrets });
    assert.equal(config.controlPlane.apiKey, API_KEY);
    assert.deepEqual(secrets.asked, ['profile:dev']);
  });

  it('says to run Set API Key when no key is stored, and keeps the CLI advice without a store', async () => {
    const profile = TunnelProfileSchema.parse(input([{ command: 'node s.js' }]));
    const unstored = await failure(resolveProfile(profile, { env: {}, secretStore: store({}) }));
    assert.equal(unstored.field, 'controlPlane.apiKey');
    assert.equal(unstored.problem, 'is not set, and no API key is stored for the profile "dev"');
    assert.match(unstored.fix, /Run 'MCP Tunnel: Set API Key…'/);
    const cli = await failure(resolveProfile(profile, { env: {} }));
    assert.match(cli.fix, /Export CONTROL_PLANE_API_KEY/);
  });

  it('refuses a stored admin key without showing it', async () => {
    const admin = 'sk-admin-0123456789abcdefghijkl';
    const error = await failure(resolveProfile(TunnelProfileSchema.parse(input([{ command: 'node s.js' }])), { env: {}, secretStore: store({ 'profile:dev': admin }) }));
    assert.equal(error.problem, 'the key stored for the profile "dev" is an admin key');
    assert.doesNotMatch(error.message, /sk-admin-0123/);
  });

  it('adds the variables of envFile, relative to cwd, under the ones env sets', async () => {
    await writeFile(dir, 'srv/.env', '# local settings\nPORT=3000\nexport MODE="read only"\nTOKEN=from-file\n');
    const profile = TunnelProfileSchema.parse(input([{ command: 'node s.js', cwd: `${dir}/srv`, envFile: '.env', env: { TOKEN: 'from-env' } }], 'env:KEY'));
    const config = await resolveProfile(profile, { env: { KEY: API_KEY } });
    const target = config.mcp.targets[0];
    assert.deepEqual(target.kind === 'stdio' && target.env, { PORT: '3000', MODE: 'read only', TOKEN: 'from-env' });
  });

  it('names envFile when the file cannot be read, and skips a line that is not NAME=value without quoting it', async () => {
    const missing = await failure(resolveProfile(TunnelProfileSchema.parse(input([{ command: 'node s.js', envFile: `${dir}/absent.env` }], 'env:KEY')), { env: { KEY: API_KEY } }));
    assert.equal(missing.field, 'mcp.servers[0].envFile');
    assert.match(missing.problem, /cannot read the env file .*absent\.env \(ENOENT\)/);

    const file = await writeFile(dir, 'pasted.env', 'A=1\nsk-proj-pasted-secret-line\nB=2\n');
    const warnings: string[] = [];
    const config = await resolveProfile(TunnelProfileSchema.parse(input([{ command: 'node s.js', envFile: file }], 'env:KEY')), { env: { KEY: API_KEY }, warnings });
    const target = config.mcp.targets[0];
    assert.deepEqual(target.kind === 'stdio' && target.env, { A: '1', B: '2' });
    assert.deepEqual(warnings, []);
  });

  it('names the variable a header needs when it is not set', async () => {
    const profile = TunnelProfileSchema.parse(input([{ url: 'https://x/mcp', headers: { Authorization: 'Bearer ${env:MCP_TOKEN}' } }], 'env:KEY'));
    const error = await failure(resolveProfile(profile, { env: { KEY: API_KEY } }));
    assert.equal(error.field, 'mcp.servers[0].headers.Authorization');
    assert.equal(error.problem, 'uses ${env:MCP_TOKEN}, which is not set');
  });

  it('refuses to run an mcpServer reference outside the editor', async () => {
    const error = await failure(resolveProfile(TunnelProfileSchema.parse(input([{ mcpServer: 'everything' }], 'env:KEY')), { env: { KEY: API_KEY } }));
    assert.equal(error.field, 'mcp.servers[0].mcpServer');
    assert.match(error.problem, /only the VS Code extension can read/);
  });
});
