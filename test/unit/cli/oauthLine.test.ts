/** The OAuth line `mcp-tunnel run` and `loopback` log when the tunnel turns ready, as it reads on stderr. */
import { strict as assert } from 'node:assert';
import { oauthLogLine } from '../../../src/cli/oauthLine';
import type { OAuthStatus } from '../../../src/engine/events';
import { formatLogLine } from '../../../src/engine/log';
import { HEALTH, httpHealth, OAUTH_FAILED, OAUTH_FOUND, OAUTH_NOT_ADVERTISED, OAUTH_PENDING } from '../dashboard/fixtures';

/** The line as `createCliLogger` writes it in text format, without its timestamp. */
function printed(oauth: OAuthStatus | undefined): string | undefined {
  const line = oauthLogLine(httpHealth(oauth).status!);
  return line && formatLogLine({ time: 'T', level: line.level, msg: line.msg, scope: 'cli', fields: line.fields }).slice(2);
}

describe('mcp-tunnel run: the OAuth line', () => {
  it('found: the metadata URL, then the authorization server, token and registration endpoints as fields', () => {
    assert.equal(
      printed(OAUTH_FOUND),
      'INFO  [cli] OAuth: metadata found at https://mcp.example.com/.well-known/oauth-protected-resource/mcp oauth=found' +
        ' authorization_server=https://auth.example.com/realms/tools' +
        ' token_endpoint=https://auth.example.com/realms/tools/protocol/openid-connect/token' +
        ' registration_endpoint=https://auth.example.com/realms/tools/clients-registrations/openid-connect',
    );
  });

  it('not advertised, pending and failed: one sentence each, a failure as a warning', () => {
    assert.equal(printed(OAUTH_NOT_ADVERTISED), 'INFO  [cli] OAuth: not advertised (plain MCP server) oauth=not_advertised');
    assert.equal(printed(OAUTH_PENDING), 'INFO  [cli] OAuth discovery pending… oauth=pending');
    assert.equal(printed(OAUTH_FAILED), `WARN  [cli] OAuth discovery failed: ${OAUTH_FAILED.error} oauth=failed`);
  });

  it('nothing for a stdio server', () => {
    assert.equal(oauthLogLine(HEALTH.status!), undefined);
    assert.equal(printed(undefined), undefined);
  });
});
