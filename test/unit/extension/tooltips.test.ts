/**
 * The Tunnels view's tooltip and OAuth row (src/extension/tooltips.ts): the
 * Markdown the tree hands to a MarkdownString, and the text a reader sees in
 * it once rendered, for each state of OAuth discovery.
 */
import { strict as assert } from 'node:assert';
import type { EngineStatus, OAuthStatus } from '../../../src/engine/events';
import type { ProfileEntry } from '../../../src/extension/profiles';
import { codeSpan, oauthRow, oauthTooltip, profileTooltip } from '../../../src/extension/tooltips';
import type { TunnelView } from '../../../src/extension/tunnels';
import { HEALTH, httpHealth, OAUTH_FAILED, OAUTH_FOUND, OAUTH_NOT_ADVERTISED, OAUTH_PENDING } from '../dashboard/fixtures';

const ENTRY = { name: 'remote', key: 'remote', scope: 'user', raw: {}, profile: { controlPlane: { tunnelId: 'tunnel_abc' } }, runsCommand: false } as unknown as ProfileEntry;

function running(status: EngineStatus, lastError?: string): TunnelView {
  return { name: 'remote', phase: 'running', status, lastError };
}

const httpStatus = (oauth: OAuthStatus | undefined) => httpHealth(oauth).status!;

/**
 * The tooltip as a reader sees it once VS Code renders the Markdown: hard
 * breaks and paragraphs as new lines, no bold or code marks, escapes
 * resolved, theme icons as [name].
 */
function shown(markdown: string): string {
  return markdown
    .replace(/\$\(([\w~-]+)\)/g, '[$1]')
    .replace(/\*\*/g, '')
    .replace(/`+ ?([^`]*?) ?`+/g, '$1')
    .replace(/\\(.)/g, '$1')
    .replace(/ {2}\n/g, '\n')
    .replace(/\n\n/g, '\n');
}

describe('Tunnels view tooltip: OAuth discovery', () => {
  it('found: where the metadata is, the authorization server, the token and registration endpoints', () => {
    const md = profileTooltip(ENTRY, running(httpStatus(OAUTH_FOUND)), 'ready');
    assert.equal(
      shown(md),
      [
        'remote — ready',
        'User settings · tunnel tunnel_abc',
        '[key] OAuth: metadata found at https://mcp.example.com/.well-known/oauth-protected-resource/mcp',
        'Authorization server: https://auth.example.com/realms/tools',
        'Token endpoint: https://auth.example.com/realms/tools/protocol/openid-connect/token',
        'Registration endpoint: https://auth.example.com/realms/tools/clients-registrations/openid-connect',
      ].join('\n'),
    );
    // URLs are code spans: not linkified, nothing in them read as Markdown.
    assert.ok(md.includes('$(key) OAuth: metadata found at `https://mcp.example.com/.well-known/oauth-protected-resource/mcp`  \nAuthorization server: `https://auth.example.com/realms/tools`'));
  });

  it('not advertised: a plain MCP server', () => {
    const md = profileTooltip(ENTRY, running(httpStatus(OAUTH_NOT_ADVERTISED)), 'ready');
    assert.equal(shown(md).split('\n').slice(2).join('\n'), '[info] OAuth: not advertised (plain MCP server)');
    assert.ok(md.endsWith('$(info) OAuth: not advertised \\(plain MCP server\\)'), md);
  });

  it('pending: discovery still running, said once when the state reason says it too', () => {
    const md = profileTooltip(ENTRY, running(httpStatus(OAUTH_PENDING), 'oauth discovery pending'), 'starting');
    assert.equal(shown(md), ['remote — starting', 'User settings · tunnel tunnel_abc', '[loading~spin] OAuth discovery pending…'].join('\n'));
  });

  it('failed: the error with the warning every problem wears, said once when the state reason repeats it', () => {
    const headline = `OAuth discovery failed: ${OAUTH_FAILED.error}`;
    const md = profileTooltip(ENTRY, running(httpStatus(OAUTH_FAILED), headline.replace(/^OAuth/, 'oauth')), 'degraded');
    assert.equal(shown(md), ['remote — degraded', 'User settings · tunnel tunnel_abc', `[warning] ${headline}`].join('\n'));
    assert.ok(md.includes('$(warning) OAuth discovery failed: https://mcp\\.example\\.com/\\.well\\-known/oauth\\-protected\\-resource/mcp: HTTP 200 but the metadata is not JSON'), md);
    const other = shown(profileTooltip(ENTRY, running(httpStatus(OAUTH_FAILED), 'control plane unreachable: ECONNREFUSED'), 'degraded'));
    assert.deepEqual(other.split('\n').slice(2), ['[warning] control plane unreachable: ECONNREFUSED', `[warning] ${headline}`]);
  });

  it('nothing about OAuth for a stdio server, an HTTP server the engine reports no discovery for, or a stopped profile', () => {
    for (const view of [running(HEALTH.status!), running(httpStatus(undefined)), undefined]) {
      const md = profileTooltip(ENTRY, view, view ? 'ready' : 'stopped');
      assert.doesNotMatch(md, /oauth/i);
    }
    assert.equal(shown(profileTooltip(ENTRY, running(HEALTH.status!), 'ready')), 'remote — ready\nUser settings · tunnel tunnel_abc');
  });

  it('the OAuth row under a running profile: a few words and an icon per state, the section as its tooltip', () => {
    assert.deepEqual(oauthRow(OAUTH_FOUND), { description: 'metadata found · auth.example.com', icon: 'key', tooltip: oauthTooltip(OAUTH_FOUND) });
    assert.deepEqual(
      [OAUTH_NOT_ADVERTISED, OAUTH_PENDING, OAUTH_FAILED].map((o) => [oauthRow(o).description, oauthRow(o).icon]),
      [
        ['not advertised (plain MCP server)', 'unlock'],
        ['discovery pending…', 'loading~spin'],
        [`discovery failed: ${OAUTH_FAILED.error}`, 'warning'],
      ],
    );
    assert.deepEqual(oauthRow({ state: 'found', urls: [] }), { description: 'metadata found', icon: 'key', tooltip: '$(key) OAuth: metadata found' });
  });

  it('a URL with backticks stays one code span', () => {
    assert.equal(codeSpan('https://x/a`b'), '`` https://x/a`b ``');
    assert.equal(codeSpan('https://x/'), '`https://x/`');
  });
});
