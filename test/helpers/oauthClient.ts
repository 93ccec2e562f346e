/**
 * The client side of an OAuth flow, without a browser: an in-memory
 * `OAuthClientProvider` for the MCP SDK (dynamic client registration, PKCE)
 * and the user's part, approving at the authorization endpoint, done by a GET
 * that reads the code from the redirect instead of following it.
 */
import { strict as assert } from 'node:assert';
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';

/** Never contacted: the code is read off the authorization endpoint's redirect. */
export const TEST_REDIRECT_URL = 'http://127.0.0.1:9/oauth/callback';

export class MemoryOAuthProvider implements OAuthClientProvider {
  client: OAuthClientInformationMixed | undefined;
  savedTokens: OAuthTokens | undefined;
  /** Every authorization URL the SDK asked the user agent to open. */
  readonly authorizationUrls: URL[] = [];
  private verifier: string | undefined;

  constructor(private readonly name = 'mcp-tunnel-oauth-test') {}

  get redirectUrl(): string {
    return TEST_REDIRECT_URL;
  }

  get clientMetadata(): OAuthClientMetadata {
    return { client_name: this.name, redirect_uris: [TEST_REDIRECT_URL], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none' };
  }

  clientInformation(): OAuthClientInformationMixed | undefined {
    return this.client;
  }

  saveClientInformation(info: OAuthClientInformationMixed): void {
    this.client = info;
  }

  tokens(): OAuthTokens | undefined {
    return this.savedTokens;
  }

  saveTokens(tokens: OAuthTokens): void {
    this.savedTokens = tokens;
  }

  redirectToAuthorization(url: URL): void {
    this.authorizationUrls.push(url);
  }

  saveCodeVerifier(verifier: string): void {
    this.verifier = verifier;
  }

  codeVerifier(): string {
    assert.ok(this.verifier, 'a code verifier was saved before the code exchange');
    return this.verifier;
  }
}

/** The user approving: GETs the authorization URL and returns the redirect's Location (with the code) without following it. */
export async function approve(authorizationUrl: URL | string): Promise<URL> {
  const res = await fetch(authorizationUrl, { redirect: 'manual' });
  await res.arrayBuffer();
  const location = res.headers.get('location');
  assert.ok(res.status >= 300 && res.status < 400 && location, `the authorization endpoint redirects (HTTP ${res.status})`);
  return new URL(location);
}

/** The authorization code of an approval redirect. */
export async function authorizationCode(authorizationUrl: URL | string): Promise<string> {
  const code = (await approve(authorizationUrl)).searchParams.get('code');
  assert.ok(code, 'the redirect carries a code');
  return code;
}
