/**
 * The loopback front door written into other tools' configurations
 * (src/extension/endpoint): VS Code's .vscode/mcp.json through jsonc-parser,
 * Codex's config.toml as a text edit of our table checked by smol-toml. What
 * a user must be able to count on: their comments, layout and other entries
 * stay byte for byte, adding twice changes nothing, removing gives back the
 * file as it was, and the token itself is never written.
 */
import { strict as assert } from 'node:assert';
import { parse as parseJsonc } from 'jsonc-parser/lib/esm/main.js';
import type * as SmolToml from 'smol-toml' with { 'resolution-mode': 'import' };
import { addToCodexConfig, changedLines, hasCodexServer, removeFromCodexConfig } from '../../../src/extension/endpoint/codexToml';
import { authModeText, initializeCurl, serverName, tokenEnvVar, tokenInputId } from '../../../src/extension/endpoint/endpoint';
import { addToMcpJson, hasMcpJsonServer, removeFromMcpJson } from '../../../src/extension/endpoint/mcpJson';

// smol-toml ships ESM type declarations only; its CommonJS build is what require() loads here.
const { parse: parseToml } = require('smol-toml') as typeof SmolToml;

const URL = 'http://127.0.0.1:41234/v1/mcp/tunnel_loop';
const TOKEN = 'relay-mcp-s3cret';
const ENTRY = { name: 'mcp-tunnel-dev', url: URL, inputId: 'mcp-tunnel-dev-token', description: 'Front-door token of "dev"' };

const USER_MCP_JSON = `{
  // Servers I use every day.
  "servers": {
    "fs": { "type": "stdio", "command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem"] }, // compact, keep it so
    /* the docs server */
    "docs": {
      "type": "http",
      "url": "https://docs.internal/mcp"
    }
  },
  "inputs": [
    { "type": "promptString", "id": "docs-key", "password": true }
  ]
}
`;

describe('.vscode/mcp.json entry of a loopback front door', () => {
  it('adds an http server whose Authorization header is a password prompt, with a matching input, keeping every comment and entry of the user', () => {
    const out = addToMcpJson(USER_MCP_JSON, ENTRY);
    const doc = parseJsonc(out) as { servers: Record<string, unknown>; inputs: unknown[] };
    assert.deepEqual(doc.servers['mcp-tunnel-dev'], { type: 'http', url: URL, headers: { Authorization: 'Bearer ${input:mcp-tunnel-dev-token}' } });
    assert.deepEqual(doc.inputs[1], { type: 'promptString', id: 'mcp-tunnel-dev-token', description: 'Front-door token of "dev"', password: true });
    for (const line of USER_MCP_JSON.split('\n').filter((l) => !/^\s*[}\]],?$/.test(l))) assert.ok(out.includes(line.replace(/,$/, '')), `kept: ${line}`);
    assert.ok(out.includes('"fs": { "type": "stdio", "command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem"] }'), 'the compact entry is not re-laid out');
    const { 'mcp-tunnel-dev': _ours, ...theirs } = doc.servers;
    assert.deepEqual(theirs, (parseJsonc(USER_MCP_JSON) as typeof doc).servers);
    assert.deepEqual(doc.inputs[0], (parseJsonc(USER_MCP_JSON) as typeof doc).inputs[0]);
    assert.ok(!out.includes(TOKEN));
  });

  it('changes nothing when the entry is already there, and replaces only our url when the front door moved', () => {
    const once = addToMcpJson(USER_MCP_JSON, ENTRY);
    assert.equal(addToMcpJson(once, ENTRY), once);
    const moved = addToMcpJson(once, { ...ENTRY, url: 'http://127.0.0.1:5555/v1/mcp/tunnel_loop' });
    assert.equal(moved.replace('5555', '41234'), once);
  });

  it('gives back the file as it was on remove: our server and our input only', () => {
    const added = addToMcpJson(USER_MCP_JSON, ENTRY);
    assert.ok(hasMcpJsonServer(added, 'mcp-tunnel-dev'));
    assert.equal(removeFromMcpJson(added, 'mcp-tunnel-dev', 'mcp-tunnel-dev-token'), USER_MCP_JSON);
    assert.equal(removeFromMcpJson(USER_MCP_JSON, 'mcp-tunnel-dev', 'mcp-tunnel-dev-token'), USER_MCP_JSON, 'nothing of ours, nothing removed');
  });

  it('round-trips a file without servers or inputs, one with a trailing comment, and a tab-indented one', () => {
    for (const text of ['{}\n', '{\n  // nothing yet\n}\n', '{\n\t"servers": {\n\t\t"a": { "url": "https://a/mcp" }\n\t}\n}\n']) {
      const added = addToMcpJson(text, ENTRY);
      assert.ok(hasMcpJsonServer(added, 'mcp-tunnel-dev'), text);
      assert.equal(removeFromMcpJson(added, 'mcp-tunnel-dev', 'mcp-tunnel-dev-token'), text);
    }
    assert.match(addToMcpJson('{\n\t"servers": {\n\t\t"a": {}\n\t}\n}\n', ENTRY), /\n\t\t"mcp-tunnel-dev": \{\n\t\t\t"type": "http"/);
  });

  it('writes a new file when there is none, and refuses a file that is not JSON', () => {
    const created = addToMcpJson('', ENTRY);
    assert.deepEqual(Object.keys(parseJsonc(created) as object), ['servers', 'inputs']);
    assert.throws(() => addToMcpJson('{ "servers": ', ENTRY), /not valid JSON \(line 1/);
    assert.throws(() => addToMcpJson('[]', ENTRY), /not a JSON object/);
  });
});

const USER_CONFIG = `# Codex settings
model = "o3" # the default model

[mcp_servers.docs]
command = "npx"   # aligned on purpose
args = [
  "-y",
  "docs-server",
]
env = { DOCS_TOKEN = "from-keychain" }

# Profiles below
[profiles.fast]
model = "o4-mini"
`;
const CODEX = { name: 'mcp-tunnel-dev', url: URL, envVar: 'MCP_TUNNEL_DEV_TOKEN' };

describe("Codex config.toml table of a loopback front door", () => {
  it('adds [mcp_servers.<name>] with url and bearer_token_env_var at the end; the text before it is the user\'s, byte for byte', () => {
    const out = addToCodexConfig(USER_CONFIG, CODEX);
    assert.ok(out.startsWith(USER_CONFIG), 'nothing of the user changes');
    const parsed = parseToml(out) as { mcp_servers: Record<string, unknown>; profiles: unknown; model: string };
    assert.deepEqual({ ...(parsed.mcp_servers['mcp-tunnel-dev'] as object) }, { url: URL, bearer_token_env_var: 'MCP_TUNNEL_DEV_TOKEN' });
    const before = parseToml(USER_CONFIG) as typeof parsed;
    assert.deepEqual(parsed.mcp_servers.docs, before.mcp_servers.docs);
    assert.deepEqual(parsed.profiles, before.profiles);
    assert.equal(parsed.model, 'o3');
    assert.ok(!out.includes(TOKEN));
  });

  it('changes nothing on a second add, and on remove gives back the original text', () => {
    const added = addToCodexConfig(USER_CONFIG, CODEX);
    assert.equal(addToCodexConfig(added, CODEX), added);
    assert.ok(hasCodexServer(added, 'mcp-tunnel-dev'));
    assert.equal(removeFromCodexConfig(added, 'mcp-tunnel-dev'), USER_CONFIG);
    assert.equal(removeFromCodexConfig(USER_CONFIG, 'mcp-tunnel-dev'), USER_CONFIG);
    assert.equal(removeFromCodexConfig(addToCodexConfig('', CODEX), 'mcp-tunnel-dev'), '');
  });

  it('replaces our table in place (with its sub-tables) when the user moved it between theirs; their comment above the next table stays', () => {
    const ours = '[mcp_servers."mcp-tunnel-dev"]\nurl = "http://127.0.0.1:1/old"\nbearer_token_env_var = "OLD"\n\n[mcp_servers.mcp-tunnel-dev.env]\nA = "1"\n\n';
    const text = USER_CONFIG.replace('# Profiles below', ours + '# Profiles below');
    const out = addToCodexConfig(text, CODEX);
    assert.ok(out.includes(`bearer_token_env_var = "MCP_TUNNEL_DEV_TOKEN"\n\n# Profiles below\n[profiles.fast]`), out);
    assert.ok(!out.includes('OLD') && !out.includes('A = "1"'));
    assert.ok(out.startsWith(USER_CONFIG.slice(0, USER_CONFIG.indexOf('# Profiles below'))));
    assert.equal(removeFromCodexConfig(out, 'mcp-tunnel-dev'), USER_CONFIG);
  });

  it('refuses what it cannot edit by its table alone: an inline definition of our name, or a file that is not TOML', () => {
    assert.throws(() => addToCodexConfig('[mcp_servers]\nmcp-tunnel-dev = { url = "x" }\n', CODEX), /without a \[mcp_servers\.mcp-tunnel-dev\] table/);
    assert.throws(() => addToCodexConfig('model = \n', CODEX), /not valid TOML/);
  });

  it('says what changes, line by line, for the confirmation', () => {
    const added = addToCodexConfig(USER_CONFIG, CODEX);
    const lines = changedLines(USER_CONFIG, added).split('\n');
    assert.deepEqual(lines.filter((l) => l.startsWith('-')), []);
    assert.ok(lines.includes('+ [mcp_servers.mcp-tunnel-dev]'));
    assert.ok(lines.includes(`+ url = "${URL}"`));
  });
});

describe('loopback front door names and requests', () => {
  it('names our entries with keys every config accepts, and the env var in shell spelling', () => {
    assert.equal(serverName('my.dev profile'), 'mcp-tunnel-my_dev_profile');
    assert.equal(tokenInputId('dev'), 'mcp-tunnel-dev-token');
    assert.equal(tokenEnvVar('my.dev-1'), 'MCP_TUNNEL_MY_DEV_1_TOKEN');
  });

  it('words the auth mode from the relay facts', () => {
    assert.equal(authModeText({ auth: 'bearer', tokenInPath: true }), 'bearer token (or token in path)');
    assert.equal(authModeText({ auth: 'bearer', tokenInPath: false }), 'bearer token');
    assert.equal(authModeText({ auth: 'none', tokenInPath: false }), 'no auth');
  });

  it('builds a curl initialize request with the token as a bearer header, never in the URL', () => {
    const curl = initializeCurl({ profile: 'dev', mcpUrl: URL, token: TOKEN, auth: 'bearer', tokenInPath: true });
    assert.match(curl, new RegExp(`^curl -sS -N -X POST '${URL}'`));
    assert.ok(curl.includes(`-H 'Authorization: Bearer ${TOKEN}'`));
    assert.match(curl, /"method":"initialize"/);
    assert.ok(!initializeCurl({ profile: 'dev', mcpUrl: URL, auth: 'none', tokenInPath: false }).includes('Authorization'));
  });
});
