/**
 * Authorization-server metadata (RFC 8414, or OpenID Connect Discovery) of
 * `authorization_servers[0]`: the endpoints the connector's OAuth flow uses,
 * fetched from the candidates of `authServerCandidates` in order.
 */
import { exchange, exchangeWithTimeoutRetries, type ExchangeResult } from './exchange';
import { DEFAULT_RETRY_BASE_TIMEOUT_MS, headersFor, type DiscoveryOptions } from './options';
import { authServerCandidates, displayUrl, parseHttpUrl, type AuthServerCandidate } from './urls';

export interface AuthServerMetadata {
  issuer?: string;
  authorization_endpoint?: string;
  token_endpoint?: string;
  registration_endpoint?: string;
  revocation_endpoint?: string;
  introspection_endpoint?: string;
  jwks_uri?: string;
}

export interface AuthServerMetadataResult {
  /** The issuer as asked for. */
  issuer: string;
  /** The metadata URL used (display form). */
  selectedUrl?: string;
  /** The document used names another issuer: no candidate named this one, so the first readable one was taken. */
  issuerMismatch?: boolean;
  metadata?: AuthServerMetadata;
  /** Why no metadata was found, one line, safe to show. */
  error?: string;
}

export const AUTH_SERVER_FIELDS = [
  'issuer',
  'authorization_endpoint',
  'token_endpoint',
  'registration_endpoint',
  'revocation_endpoint',
  'introspection_endpoint',
  'jwks_uri',
] as const satisfies ReadonlyArray<keyof AuthServerMetadata>;

type DocumentOutcome = { ok: true; metadata: AuthServerMetadata } | { ok: false; problem: string; timeout: boolean; aborted: boolean };

function mediaType(contentType: string | string[] | undefined): string {
  const value = Array.isArray(contentType) ? contentType[0] : contentType;
  return (value ?? '').split(';', 1)[0].trim().toLowerCase();
}

/** A fetched candidate as metadata: HTTP 200, application/json, a JSON object whose fields we read are strings. */
function readDocument(result: ExchangeResult): DocumentOutcome {
  if (!result.ok) return result;
  if (result.status !== 200) return { ok: false, problem: `HTTP ${result.status}`, timeout: false, aborted: false };
  const type = mediaType(result.headers['content-type']);
  if (type !== 'application/json') return { ok: false, problem: `HTTP 200 with content type ${type === '' ? '(none)' : JSON.stringify(type.slice(0, 60))}, not application/json`, timeout: false, aborted: false };
  if (result.oversized) return { ok: false, problem: 'HTTP 200 with a body larger than 1 MiB', timeout: false, aborted: false };
  let doc: unknown;
  try {
    doc = JSON.parse((result.body ?? Buffer.alloc(0)).toString('utf8'));
  } catch {
    return { ok: false, problem: 'HTTP 200 with a body that is not JSON', timeout: false, aborted: false };
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return { ok: false, problem: 'HTTP 200 with JSON that is not an object', timeout: false, aborted: false };
  const record = doc as Record<string, unknown>;
  const metadata: AuthServerMetadata = {};
  for (const field of AUTH_SERVER_FIELDS) {
    const value = record[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') return { ok: false, problem: `HTTP 200 with a ${field} that is not a string`, timeout: false, aborted: false };
    metadata[field] = value;
  }
  return { ok: true, metadata };
}

interface PassOutcome {
  found?: { candidate: AuthServerCandidate; metadata: AuthServerMetadata; mismatch: boolean };
  problems: string[];
  timeoutOnly: boolean;
}

async function pass(issuer: string, candidates: readonly AuthServerCandidate[], o: DiscoveryOptions, retry: boolean): Promise<PassOutcome> {
  const server = parseHttpUrl(o.serverUrl);
  const problems: string[] = [];
  let timeoutOnly = true;
  let fallback: PassOutcome['found'];
  for (const candidate of candidates) {
    if (o.signal.aborted) break;
    const request = { dispatcher: o.dispatcher, headersFor: headersFor(o, server), signal: o.signal, readBody: (status: number) => status === 200 };
    const result = retry
      ? await exchangeWithTimeoutRetries(candidate.url, request, o.retryBaseTimeoutMs ?? DEFAULT_RETRY_BASE_TIMEOUT_MS)
      : await exchange(candidate.url, { ...request, timeoutMs: o.requestTimeoutMs });
    const outcome = readDocument(result);
    if (!outcome.ok) {
      problems.push(`${displayUrl(candidate.url)}: ${outcome.problem}`);
      if (!outcome.timeout) timeoutOnly = false;
      continue;
    }
    timeoutOnly = false;
    if (outcome.metadata.issuer === issuer) return { found: { candidate, metadata: outcome.metadata, mismatch: false }, problems, timeoutOnly: false };
    // Another issuer: kept in case no candidate names this one, as the reference daemon does.
    problems.push(`${displayUrl(candidate.url)}: names the issuer ${outcome.metadata.issuer === undefined ? '(none)' : displayUrl(outcome.metadata.issuer)}`);
    fallback ??= { candidate, metadata: outcome.metadata, mismatch: true };
  }
  return { found: fallback, problems, timeoutOnly: timeoutOnly && problems.length > 0 };
}

/**
 * Fetches the metadata of `issuer`: the first candidate whose document names
 * this issuer wins; failing that, the first readable document naming another
 * one (`issuerMismatch`). When every candidate only timed out, they are tried
 * once more with growing deadlines.
 */
export async function fetchAuthServerMetadata(issuer: string, o: DiscoveryOptions): Promise<AuthServerMetadataResult> {
  const issuerUrl = parseHttpUrl(issuer);
  if (!issuerUrl) return { issuer, error: `the authorization server ${displayUrl(issuer)} is not an absolute http(s) URL` };
  const candidates = authServerCandidates(issuerUrl);
  let outcome = await pass(issuer, candidates, o, false);
  if (!outcome.found && outcome.timeoutOnly && !o.signal.aborted) outcome = await pass(issuer, candidates, o, true);
  if (outcome.found) {
    const { candidate, metadata, mismatch } = outcome.found;
    const result: AuthServerMetadataResult = { issuer, selectedUrl: displayUrl(candidate.url), metadata };
    if (mismatch) result.issuerMismatch = true;
    return result;
  }
  const tried = outcome.problems.length > 0 ? outcome.problems.join('; ') : 'discovery stopped before any candidate was tried';
  return { issuer, error: `no authorization-server metadata for ${displayUrl(issuer)}: ${tried}` };
}
