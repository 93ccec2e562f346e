import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { splitCommand } from '../../../src/engine/mcp/argv';
import {
  inputIds,
  parseCodexConfigToml,
  parseVsCodeMcpJson,
  resolveMcpServerReference,
  substituteServer,
  substituteVariables,
  toProfileServer,
  type ImportedServer,
  type VariableResolver,
} from '../../../src/profiles/importers';
import { resolveProfile } from '../../../src/profiles/resolve';
import { McpServerSchema, TunnelProfileSchema, type McpServerInput } from '../../../src/profiles/schema';
import { API_KEY, TUNNEL_ID, thrown } from './support';

const fixtures = path.resolve(__dirname, '../../fixtures/import');
const MCP_JSON = readFileSync(path.join(fixtures, 'mcp.json'), 'utf8');
const CODEX_TOML = readFileSync(path.join(fixtures, 'config.toml'), 'utf8');
const MCP_FILE = '/work/app/.vscode/mcp.json';

const resolver: VariableResolver = {
  workspaceFolder: '/work/app',
  userHome: '/home/dev',
  env: { SEARCH_API_KEY: 'search-key-123' },
  input: (id) => ({ 'github-token': 'ghp_secretvalue123', 'log-level': 'warn' })[id],
};

function profileWith(...servers: McpServerInput[]) {
  return TunnelProfileSchema.parse({ name: 'dev', controlPlane: { tunnelId: TUNNEL_ID, apiKey: 'env:KEY' }, mcp: { servers } });
}

describe('importing VS Code .vscode/mcp.json', () => {
  const parsed = parseVsCodeMcpJson(MCP_JSON, MCP_FILE);
  const byName = new Map(parsed.servers.map((s) => [s.name, s]));

  it('reads stdio and http servers through comments, trailing commas and keys it does not use', () => {
    assert.deepEqual(
      parsed.servers.map((s) => [s.name, s.kind]),
      [
        ['everything', 'stdio'],
        ['filesystem', 'stdio'],
        ['github', 'http'],
        ['legacy-search', 'http'],
      ],
    );
    assert.deepEqual(byName.get('everything'), {
      name: 'everything',
      kind: 'stdio',
      command: 'npx',
      // numbers become text; `dev` and unknown keys are left behind
      args: ['-y', '@modelcontextprotocol/server-everything', '--port', '3001'],
      // null unsets a variable in VS Code; the tunnel starts from a minimal environment anyway
      env: { LOG_LEVEL: '${input:log-level}', WORKERS: '4', DATA_DIR: '${workspaceFolder}/data' },
      envFile: '${workspaceFolder}/.env',
      source: 'vscode',
    });
    assert.deepEqual(byName.get('github'), {
      name: 'github',
      kind: 'http',
      url: 'https://api.githubcopilot.com/mcp/',
      headers: { Authorization: 'Bearer ${input:github-token}', 'X-Trace-Level': '2' },
      source: 'vscode',
    });
  });

  it('keeps the inputs, including which one is a password', () => {
    assert.deepEqual(parsed.inputs, [
      { type: 'promptString', id: 'github-token', description: 'GitHub personal access token', password: true },
      { type: 'pickString', id: 'log-level', description: 'Server log level', default: 'info', options: ['debug', 'info', { label: 'Warnings only', value: 'warn' }] },
      { type: 'command', id: 'docs-root', command: 'extension.pickFolder', args: { title: 'Docs folder' } },
    ]);
    assert.deepEqual(inputIds(byName.get('github')!), ['github-token']);
  });

  it('imports SSE as its URL with a warning, and skips socket, pipe and unknown transports with one each', () => {
    const warnings = parsed.warnings.join('\n');
    assert.match(warnings, /server "legacy-search" uses SSE, the legacy MCP HTTP transport; imported as a Streamable HTTP url/);
    assert.equal(byName.get('legacy-search')?.url, 'http://127.0.0.1:8931/sse');
    assert.match(warnings, /server "local-socket" uses a local socket or pipe URL.*skipped/);
    assert.match(warnings, /server "named-pipe" uses a local socket or pipe URL.*skipped/);
    assert.match(warnings, /server "future" has the unknown type "websocket"; skipped/);
    assert.match(warnings, /inputs\[3\] needs a string "id"/);
    assert.ok(parsed.warnings.every((w) => w.startsWith(`${MCP_FILE}: `)));
  });

  it('reports a syntax error by line and column, in its file', () => {
    const error = thrown(() => parseVsCodeMcpJson('{\n  "servers": {\n    "a": { "command": "x" }\n    "b": { "command": "y" }\n  }\n}', MCP_FILE));
    assert.equal(error.field, 'line 4, column 5');
    assert.match(error.problem, /is not valid JSON: CommaExpected/);
    assert.equal(error.source, MCP_FILE);
  });

  it('reads an empty file as no servers, and refuses a file that is not an object', () => {
    assert.deepEqual(parseVsCodeMcpJson('// nothing yet\n', MCP_FILE), { servers: [], inputs: [], warnings: [] });
    assert.match(thrown(() => parseVsCodeMcpJson('[1, 2]', MCP_FILE)).problem, /is not an MCP configuration/);
  });
});

describe('importing Codex ~/.codex/config.toml', () => {
  const CODEX_FILE = '/home/dev/.codex/config.toml';
  const parsed = parseCodexConfigToml(CODEX_TOML, CODEX_FILE);
  const byName = new Map(parsed.servers.map((s) => [s.name, s]));

  it('reads command tables as stdio servers, forwarding env_vars as ${env:NAME}', () => {
    assert.deepEqual(byName.get('docs'), {
      name: 'docs',
      kind: 'stdio',
      command: 'npx',
      args: ['-y', 'mcp-server-docs', '--root', '/srv/docs'],
      cwd: '/srv/docs',
      env: { DOCS_MODE: 'read-only', PAGE_SIZE: '50', DOCS_TOKEN: '${env:DOCS_TOKEN}', HTTPS_PROXY: '${env:HTTPS_PROXY}' },
      source: 'codex',
    });
  });

  it('reads url tables as http servers, with the bearer token and env headers as references', () => {
    assert.deepEqual(byName.get('figma'), {
      name: 'figma',
      kind: 'http',
      url: 'https://mcp.figma.com/mcp',
      headers: { 'X-Figma-Region': 'us-east-1', 'X-Figma-Team': '${env:FIGMA_TEAM_ID}', Authorization: 'Bearer ${env:FIGMA_OAUTH_TOKEN}' },
      source: 'codex',
    });
  });

  it('imports disabled servers marked as such, and skips tables that are not servers', () => {
    assert.equal(byName.get('old-sqlite')?.disabled, true);
    assert.equal(byName.get('internal-api')?.disabled, true);
    assert.equal(byName.get('docs')?.disabled, undefined);
    assert.deepEqual([...byName.keys()], ['docs', 'figma', 'old-sqlite', 'internal-api']);
    const warnings = parsed.warnings.join('\n');
    assert.match(warnings, /\[mcp_servers\.old-sqlite\] is disabled in Codex \(enabled = false\)/);
    assert.match(warnings, /\[mcp_servers\.broken\] has neither a command nor a url; skipped/);
    assert.match(warnings, /\[mcp_servers\.both\] sets both command and url; skipped/);
  });

  it('reads a file without mcp_servers as no servers, and reports TOML syntax errors by position', () => {
    assert.deepEqual(parseCodexConfigToml('model = "gpt-5-codex"\n', CODEX_FILE), { servers: [], warnings: [] });
    const error = thrown(() => parseCodexConfigToml('[mcp_servers.x]\ncommand = \n', CODEX_FILE));
    assert.match(error.field, /^line 2, column \d+$/);
    assert.match(error.problem, /^is not valid TOML/);
    assert.doesNotMatch(error.problem, /\n/);
    assert.equal(error.source, CODEX_FILE);
  });
});

describe('VS Code variables', () => {
  it('substitutes workspace, home, env and input variables', () => {
    assert.deepEqual(substituteVariables('${workspaceFolder}/a:${userHome}/b:${env:SEARCH_API_KEY}:${input:log-level}:${workspaceFolderBasename}', resolver), {
      value: '/work/app/a:/home/dev/b:search-key-123:warn:app',
      missing: [],
    });
  });

  it('leaves a variable without a value as written and reports it once', () => {
    assert.deepEqual(substituteVariables('${input:nope} ${env:UNSET} ${input:nope} ${config:editor.tabSize}', { userHome: '/h', env: {} }), {
      value: '${input:nope} ${env:UNSET} ${input:nope} ${config:editor.tabSize}',
      missing: ['input:nope', 'env:UNSET', 'config:editor.tabSize'],
    });
    assert.deepEqual(substituteVariables('${workspaceFolder}/x', { userHome: '/h', env: {} }).missing, ['workspaceFolder']);
  });

  it('substitutes every field of a server', () => {
    const { server, missing } = substituteServer(parseVsCodeMcpJson(MCP_JSON, MCP_FILE).servers[1], resolver);
    assert.deepEqual(missing, []);
    assert.equal(server.command, '/home/dev/My Tools/mcp-filesystem');
    assert.deepEqual(server.args, ['/work/app']);
    assert.equal(server.cwd, '/work/app/tools');
  });
});

describe('imported servers as profile entries', () => {
  it('keeps an executable path with spaces as one word of the command line', () => {
    const server: ImportedServer = { name: 's', kind: 'stdio', command: "/opt/mcp tools/it's-server", args: ['--db', 'a b'], source: 'codex' };
    const entry = toProfileServer(server);
    assert.deepEqual(splitCommand(entry.command!), ["/opt/mcp tools/it's-server"]);
    assert.deepEqual(entry.args, ['--db', 'a b']);
    assert.equal(toProfileServer({ ...server, command: 'npx' }).command, 'npx');
    assert.deepEqual(splitCommand(toProfileServer({ ...server, command: 'C:\\Tools\\server.exe' }).command!), ['C:\\Tools\\server.exe']);
  });

  it('maps every Codex server to a valid profile entry, a whole-value env header to an env: reference', () => {
    const servers = parseCodexConfigToml(CODEX_TOML, 'config.toml').servers;
    for (const server of servers) assert.ok(McpServerSchema.safeParse(toProfileServer(server)).success, server.name);
    const figma = toProfileServer(servers.find((s) => s.name === 'figma')!, { channel: 'design' });
    assert.deepEqual(figma, {
      channel: 'design',
      url: 'https://mcp.figma.com/mcp',
      headers: { 'X-Figma-Region': 'us-east-1', 'X-Figma-Team': 'env:FIGMA_TEAM_ID', Authorization: 'Bearer ${env:FIGMA_OAUTH_TOKEN}' },
    });
  });

  it('resolves a copied Codex server at start: tokens and forwarded variables from the environment', async () => {
    const servers = parseCodexConfigToml(CODEX_TOML, 'config.toml').servers;
    const profile = profileWith(
      toProfileServer(servers.find((s) => s.name === 'figma')!),
      toProfileServer(servers.find((s) => s.name === 'docs')!, { channel: 'docs' }),
    );
    const env = { KEY: API_KEY, FIGMA_OAUTH_TOKEN: 'figd_tok', FIGMA_TEAM_ID: 'team-9', DOCS_TOKEN: 'docs-tok' };
    const config = await resolveProfile(profile, { env });
    const [figma, docs] = config.mcp.targets;
    assert.deepEqual(figma.kind === 'http' && figma.headers, { 'X-Figma-Region': 'us-east-1', 'X-Figma-Team': 'team-9', Authorization: 'Bearer figd_tok' });
    // HTTPS_PROXY is not set, so it is not forwarded
    assert.deepEqual(docs.kind === 'stdio' && docs.env, { DOCS_MODE: 'read-only', PAGE_SIZE: '50', DOCS_TOKEN: 'docs-tok' });
  });
});

describe('resolving { mcpServer } references against mcp.json', () => {
  it('inlines a stdio server with its variables substituted and cwd defaulting to the workspace folder', () => {
    const warnings: string[] = [];
    const profile = resolveMcpServerReference(profileWith({ channel: 'tools', mcpServer: 'everything' }), MCP_JSON, { ...resolver, file: MCP_FILE, warnings });
    assert.deepEqual(profile.mcp.servers, [
      {
        channel: 'tools',
        command: 'npx',
        args: ['-y', '@modelcontextprotocol/server-everything', '--port', '3001'],
        cwd: '/work/app',
        env: { LOG_LEVEL: 'warn', WORKERS: '4', DATA_DIR: '/work/app/data' },
        envFile: '/work/app/.env',
      },
    ]);
    assert.deepEqual(warnings, []);
  });

  it('inlines http servers, answering a password input and warning about SSE', () => {
    const warnings: string[] = [];
    const profile = resolveMcpServerReference(profileWith({ mcpServer: 'github' }, { channel: 'search', mcpServer: 'legacy-search' }, { channel: 'own', command: 'node own.js' }), MCP_JSON, {
      ...resolver,
      warnings,
    });
    assert.deepEqual(profile.mcp.servers[0], { channel: 'main', url: 'https://api.githubcopilot.com/mcp/', headers: { Authorization: 'Bearer ghp_secretvalue123', 'X-Trace-Level': '2' } });
    assert.deepEqual(profile.mcp.servers[1].headers, { 'X-Api-Key': 'search-key-123' });
    assert.deepEqual(profile.mcp.servers[2], { channel: 'own', command: 'node own.js' });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /^\.vscode\/mcp\.json: server "legacy-search" uses SSE/);
  });

  it('names the servers mcp.json has when the reference is not one of them', () => {
    const error = thrown(() => resolveMcpServerReference(profileWith({ mcpServer: 'everythin' }), MCP_JSON, resolver));
    assert.equal(error.field, 'mcp.servers[0].mcpServer');
    assert.equal(error.problem, 'names the server "everythin", which .vscode/mcp.json does not define');
    assert.equal(error.fix, 'Use one of: everything, filesystem, github, legacy-search');
  });

  it('explains why a server mcp.json defines cannot be tunnelled', () => {
    const error = thrown(() => resolveMcpServerReference(profileWith({ mcpServer: 'local-socket' }), MCP_JSON, resolver));
    assert.match(error.problem, /names the server "local-socket" of \.vscode\/mcp\.json, which uses a local socket or pipe URL/);
  });

  it('refuses to start with an unanswered input, naming it and never a value', () => {
    const error = thrown(() => resolveMcpServerReference(profileWith({ mcpServer: 'github' }), MCP_JSON, { ...resolver, input: () => undefined }));
    assert.equal(error.field, 'mcp.servers[0].mcpServer');
    assert.equal(error.problem, 'names the server "github", whose ${input:github-token} has no value');
    assert.match(error.fix, /Enter a value for "github-token"/);
    const env = thrown(() => resolveMcpServerReference(profileWith({ mcpServer: 'legacy-search' }), MCP_JSON, { ...resolver, env: {} }));
    assert.match(env.problem, /\$\{env:SEARCH_API_KEY\} is not set/);
  });

  it('leaves a profile without references alone, without reading mcp.json', () => {
    const profile = profileWith({ command: 'node server.js' });
    assert.equal(resolveMcpServerReference(profile, 'not json at all', resolver), profile);
  });

  it('validates the inlined server and names its fields as mcp.json does', () => {
    const text = '{ "servers": { "bad": { "type": "http", "url": "https://x/mcp", "headers": { "Content-Type": "text/plain" } } } }';
    const error = thrown(() => resolveMcpServerReference(profileWith({ mcpServer: 'bad' }), text, { ...resolver, file: MCP_FILE }));
    assert.equal(error.field, 'servers.bad.headers.Content-Type');
    assert.match(error.problem, /cannot set the header Content-Type/);
    assert.equal(error.source, MCP_FILE);
  });
});
