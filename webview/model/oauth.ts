/**
 * What OAuth discovery found for an HTTP main channel (`EngineStatus.oauth`),
 * in words. One place for the sentences the dashboard's Health tab, the
 * Tunnels view tooltip and `mcp-tunnel run` show, so they never disagree.
 * Node-free and editor-free: the webview, the extension host and the CLI all
 * read it.
 */
import type { OAuthStatus, OAuthUrl, OAuthUrlRole } from '../../src/engine/events';
import type { HealthTone } from '../protocol';

export type { OAuthStatus, OAuthUrl };

/** A URL discovery learned, under the name a reader knows it by. */
export interface OAuthEndpoint {
  label: string;
  url: string;
}

export interface OAuthSummary {
  state: OAuthStatus['state'];
  /**
   * found: ok; not advertised: idle (a plain MCP server is not a problem);
   * pending: busy; failed: warn, the tone a problem of a running tunnel has.
   */
  tone: Extract<HealthTone, 'ok' | 'idle' | 'busy' | 'warn'>;
  /** The sentence up to its URL: "OAuth: metadata found at", "OAuth discovery failed: …". */
  lead: string;
  /** The URL the sentence ends with: the metadata URL, when found. */
  url?: string;
  /** The whole sentence as plain text. */
  headline: string;
  /** What a `not_advertised` discovery saw (every candidate answered 404, …), safe to show. */
  note?: string;
  /** Authorization server, token and registration endpoints: those discovery learned, in that order. */
  endpoints: OAuthEndpoint[];
}

export const OAUTH_ROLE_LABELS: Record<OAuthUrlRole, string> = {
  metadata_candidate: 'Metadata candidate',
  resource: 'Resource',
  authorization_server: 'Authorization server',
  authorization_server_metadata: 'Authorization server metadata',
  authorization_endpoint: 'Authorization endpoint',
  token_endpoint: 'Token endpoint',
  registration_endpoint: 'Registration endpoint',
  revocation_endpoint: 'Revocation endpoint',
  introspection_endpoint: 'Introspection endpoint',
  jwks_uri: 'JWKS',
};

const SOURCE_LABELS: Record<string, string> = {
  www_authenticate: 'WWW-Authenticate challenge',
  well_known_path: 'path-based well-known URL',
  well_known_root: 'root well-known URL',
};

/** Where a metadata candidate came from, in words (an unknown source as it is). */
export function candidateSource(url: OAuthUrl): string | undefined {
  return url.source === undefined ? undefined : (SOURCE_LABELS[url.source] ?? url.source);
}

/** What a metadata candidate answered: "HTTP 404", or "not tried". */
export function candidateAnswer(url: OAuthUrl): string {
  if (url.status !== undefined) return `HTTP ${url.status}`;
  return url.error ? 'no answer' : 'not tried';
}

/** Why a candidate was not used, unless its answer already says it ("HTTP 404" twice says nothing more). */
export function candidateError(url: OAuthUrl): string | undefined {
  if (!url.error) return undefined;
  return url.status !== undefined && url.error.trim() === `HTTP ${url.status}` ? undefined : url.error;
}

/** The protected-resource metadata URLs discovery tried or would try, in order. */
export function metadataCandidates(oauth: OAuthStatus): OAuthUrl[] {
  return oauth.urls.filter((u) => u.role === 'metadata_candidate');
}

/** Every other URL discovery learned (resource, authorization server, its endpoints), in order. */
export function learnedUrls(oauth: OAuthStatus): OAuthUrl[] {
  return oauth.urls.filter((u) => u.role !== 'metadata_candidate');
}

const firstOf = (oauth: OAuthStatus, role: OAuthUrlRole) => oauth.urls.find((u) => u.role === role)?.url;

export function oauthSummary(oauth: OAuthStatus): OAuthSummary {
  const endpoints: OAuthEndpoint[] = [];
  const add = (label: string, url: string | undefined) => url && endpoints.push({ label, url });
  add('Authorization server', oauth.authorizationServer ?? firstOf(oauth, 'authorization_server'));
  add('Token endpoint', firstOf(oauth, 'token_endpoint'));
  add('Registration endpoint', firstOf(oauth, 'registration_endpoint'));
  const summary = (tone: OAuthSummary['tone'], lead: string, url?: string, note?: string): OAuthSummary => ({
    state: oauth.state,
    tone,
    lead,
    url,
    headline: url ? `${lead} ${url}` : lead,
    note,
    endpoints,
  });
  switch (oauth.state) {
    case 'found':
      return oauth.metadataUrl ? summary('ok', 'OAuth: metadata found at', oauth.metadataUrl) : summary('ok', 'OAuth: metadata found');
    case 'not_advertised':
      return summary('idle', 'OAuth: not advertised (plain MCP server)', undefined, oauth.error || undefined);
    case 'pending':
      return summary('busy', 'OAuth discovery pending…');
    case 'failed':
      return summary('warn', oauth.error ? `OAuth discovery failed: ${oauth.error}` : 'OAuth discovery failed');
  }
}
