/** The name Add Profile… suggests for a profile (src/extension/profileNames.ts). */
import { strict as assert } from 'node:assert';
import { FALLBACK_NAME, suggestProfileName } from '../../../src/extension/profileNames';
import { PROFILE_NAME_PATTERN } from '../../../src/profiles/schema';

describe('suggested profile names', () => {
  it('takes the server entry name of .vscode/mcp.json or Codex over its command', () => {
    assert.equal(suggestProfileName({ name: 'github', command: 'npx', args: ['-y', '@modelcontextprotocol/server-github'] }), 'github');
    assert.equal(suggestProfileName({ name: 'my docs!', url: 'https://docs.example.com/mcp' }), 'my-docs');
  });

  it('never suggests from inline code (node -e, python -c), but falls back to a plain name', () => {
    for (const command of ['node -e "process.exit(1)"', 'node --eval "require(\'x\').run()"', 'python3 -c "import server; server.main()"', 'node -p 1+1']) {
      const name = suggestProfileName({ command });
      assert.equal(name, FALLBACK_NAME, command);
    }
    assert.notEqual(suggestProfileName({ command: 'node -e "process.exit(1)"' }), 'process.exit1');
  });

  it('names an npx, pnpm dlx, uvx or npm exec command after its package, without scope or version', () => {
    assert.equal(suggestProfileName({ command: 'npx -y @modelcontextprotocol/server-everything' }), 'server-everything');
    assert.equal(suggestProfileName({ command: 'npx --yes mcp-server-kubernetes@1.2.3 --read-only' }), 'mcp-server-kubernetes');
    assert.equal(suggestProfileName({ command: 'pnpm dlx @acme/tools-mcp' }), 'tools-mcp');
    assert.equal(suggestProfileName({ command: 'uvx mcp-server-git --repository .' }), 'mcp-server-git');
    assert.equal(suggestProfileName({ command: 'npm exec -- @scope/weather-mcp' }), 'weather-mcp');
    assert.equal(suggestProfileName({ command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem', '/tmp'] }), 'server-filesystem');
  });

  it('names a script after its file, or its folder when the file is index.js or server.py', () => {
    assert.equal(suggestProfileName({ command: 'node ./weather.mjs --port 3' }), 'weather');
    assert.equal(suggestProfileName({ command: '/usr/bin/node', args: ['/repo/node_modules/@modelcontextprotocol/server-everything/dist/index.js', 'stdio'] }), 'server-everything');
    assert.equal(suggestProfileName({ command: 'python /srv/inventory/server.py' }), 'inventory');
    assert.equal(suggestProfileName({ command: 'python -m mcp_server_time.cli' }), 'mcp_server_time');
    assert.equal(suggestProfileName({ command: '"/opt/My Tools/mcp-search"' }), 'mcp-search');
  });

  it('names a URL after its host, a server on this machine after its port', () => {
    assert.equal(suggestProfileName({ url: 'https://mcp.internal.example.com/mcp' }), 'internal');
    assert.equal(suggestProfileName({ url: 'http://127.0.0.1:3000/mcp' }), 'localhost-3000');
    assert.equal(suggestProfileName({ url: 'http://localhost/mcp' }), 'localhost');
  });

  it('suggests a valid name that is not taken', () => {
    const taken = new Set(['server-everything', 'server-everything-2']);
    assert.equal(suggestProfileName({ command: 'npx -y @modelcontextprotocol/server-everything' }, taken), 'server-everything-3');
    for (const odd of ['---', '日本語', '.hidden', 'x'.repeat(300)]) assert.match(suggestProfileName({ name: odd }), PROFILE_NAME_PATTERN, odd);
  });
});
