import { strict as assert } from 'node:assert';
import { frontDoorMetadata, protectedResourceMetadataUrl, rewriteResourceMetadata } from '../../../src/relay/oauthMetadata';

const OURS = 'http://127.0.0.1:8787/.well-known/oauth-protected-resource/v1/mcp/tunnel_x/tok';

describe('relay OAuth metadata', () => {
  describe('rewriteResourceMetadata', () => {
    const cases: [string, string, string][] = [
      ['a quoted value', 'Bearer resource_metadata="http://private/.well-known/oauth-protected-resource/mcp"', `Bearer resource_metadata="${OURS}"`],
      [
        'the other parameters kept byte for byte',
        'Bearer error="invalid_token", error_description="Missing Authorization header", scope="mcp:tools", resource_metadata="http://private/x"',
        `Bearer error="invalid_token", error_description="Missing Authorization header", scope="mcp:tools", resource_metadata="${OURS}"`,
      ],
      ['a token value', 'Bearer realm=x, resource_metadata=http://private/x, scope=a', `Bearer realm=x, resource_metadata="${OURS}", scope=a`],
      ['any case, spaces round =', 'Bearer Resource_Metadata = "http://private/x"', `Bearer Resource_Metadata="${OURS}"`],
      ['two challenges', 'Basic realm="r", Bearer resource_metadata="http://private/x"', `Basic realm="r", Bearer resource_metadata="${OURS}"`],
      ['a name inside another quoted value untouched', 'Bearer error_description="see resource_metadata=\\"x\\"", resource_metadata="y"', `Bearer error_description="see resource_metadata=\\"x\\"", resource_metadata="${OURS}"`],
      ['a longer name untouched', 'Bearer my_resource_metadata="x"', 'Bearer my_resource_metadata="x"'],
      ['no resource_metadata', 'Bearer error="invalid_token"', 'Bearer error="invalid_token"'],
      ['an unterminated quote', 'Bearer error="oops', 'Bearer error="oops'],
    ];
    for (const [name, header, expected] of cases) {
      it(name, () => assert.equal(rewriteResourceMetadata(header, OURS), expected));
    }

    it('escapes quotes and backslashes of the URL', () => {
      assert.equal(rewriteResourceMetadata('Bearer resource_metadata="a"', 'http://h/"\\'), 'Bearer resource_metadata="http://h/\\"\\\\"');
    });
  });

  it('puts the well-known suffix between host and path (RFC 9728 §3.1)', () => {
    assert.equal(protectedResourceMetadataUrl('http://127.0.0.1:1', '/v1/mcp/t/k'), 'http://127.0.0.1:1/.well-known/oauth-protected-resource/v1/mcp/t/k');
    assert.equal(protectedResourceMetadataUrl('http://127.0.0.1:1', '/'), 'http://127.0.0.1:1/.well-known/oauth-protected-resource');
  });

  it('rewrites resource and keeps every other field', () => {
    const doc = { resource: 'http://private/mcp', authorization_servers: ['http://as/'], scopes_supported: ['a'], extra: { x: 1 } };
    assert.deepEqual(frontDoorMetadata(doc, 'http://front/v1/mcp/t'), { ...doc, resource: 'http://front/v1/mcp/t' });
    assert.deepEqual(frontDoorMetadata({}, 'http://front/v1/mcp/t'), { resource: 'http://front/v1/mcp/t' });
  });
});
