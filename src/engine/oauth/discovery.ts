/**
 * OAuth discovery for an OAuth-protected MCP server, run from inside the
 * network for the connector: the server's RFC 9728 protected-resource
 * metadata (found through a `WWW-Authenticate` challenge or the well-known
 * URLs), then the metadata of the authorization server it names. Used at
 * startup (`runStartupDiscovery`, whose status gates readiness) and for each
 * `oauth_discovery` command (`discoverProtectedResource`).
 */
import type { Headers } from '../../protocol/wire';
import type { OAuthStatus, OAuthUrl } from '../events';
import { filterResponseHeaders } from '../mcp/responseHeaders';
import { AUTH_SERVER_FIELDS, fetchAuthServerMetadata } from './authServer';
import { bearerResourceMetadata } from './challenge';
import { oauthDiscoveryError } from './errorBody';
import { budget, exchange, exchangeWithTimeoutRetries, isTimeoutReason, type ExchangeResult } from './exchange';
import { DEFAULT_CHALLENGE_TIMEOUT_MS, DEFAULT_RETRY_BASE_TIMEOUT_MS, headersFor, type DiscoveryOptions } from './options';
import { dedupeCandidates, displayUrl, parseHttpUrl, wellKnownCandidates, type MetadataCandidate } from './urls';

export { fetchAuthServerMetadata, type AuthServerMetadata, type AuthServerMetadataResult } from './authServer';
export type { DiscoveryOptions } from './options';
export { displayUrl } from './urls';

/** How long startup discovery may take in all (the reference daemon's default). */
export const DEFAULT_DISCOVERY_TIMEOUT_MS = 5000;

export interface ChallengeProbe {
  attempted: boolean;
  /** The metadata URL the challenge named (display form). */
  url?: string;
  error?: string;
}

export interface ProtectedResourceFound {
  ok: true;
  /** Upstream status (2xx). */
  status: number;
  /** Upstream headers through filterResponseHeaders. */
  headers: Headers;
  /** The document, untouched. */
  metadata: Record<string, unknown>;
  /** The candidate that answered (display form). */
  metadataUrl: string;
  /** Role `metadata_candidate`, with source, status, error and selected. */
  candidates: OAuthUrl[];
  challenge: ChallengeProbe;
}

export interface ProtectedResourceMissing {
  ok: false;
  /** One line, safe to show. */
  error: string;
  /** Every candidate answered 404 and no challenge named a metadata URL: a plain MCP server. */
  notAdvertised: boolean;
  /** HTTP status of the last candidate that answered. */
  lastStatus?: number;
  candidates: OAuthUrl[];
  challenge: ChallengeProbe;
}

interface ChallengeOutcome extends ChallengeProbe {
  target?: URL;
}

/** Why one challenge request named no usable metadata URL, or the URL it named. */
function readChallenge(result: ExchangeResult): { url: URL } | { problem: string } {
  if (!result.ok) return { problem: result.problem };
  if (result.status !== 401) return { problem: `HTTP ${result.status}, not a 401 challenge` };
  const header = result.headers['www-authenticate'];
  if (header === undefined || header.length === 0) return { problem: 'HTTP 401 without WWW-Authenticate' };
  const values = bearerResourceMetadata(header);
  if (values.length === 0) return { problem: 'HTTP 401 with no Bearer challenge naming resource_metadata' };
  for (const value of values) {
    const url = parseHttpUrl(value);
    if (url) return { url };
  }
  return { problem: 'HTTP 401 whose resource_metadata is not an absolute http(s) URL' };
}

/**
 * Asks the MCP server itself: an empty POST, then a GET, expecting a 401
 * whose Bearer challenge names the metadata URL (RFC 9728 §5.1). Both share
 * one short budget.
 */
async function probeChallenge(server: URL, o: DiscoveryOptions): Promise<ChallengeOutcome> {
  const probe = budget(o.signal, o.challengeTimeoutMs ?? DEFAULT_CHALLENGE_TIMEOUT_MS);
  const problems: string[] = [];
  try {
    for (const method of ['POST', 'GET'] as const) {
      const result = await exchange(server, { dispatcher: o.dispatcher, method, headersFor: headersFor(o, server), signal: probe.signal, timeoutMs: o.requestTimeoutMs });
      const read = readChallenge(result);
      if ('url' in read) return { attempted: true, url: displayUrl(read.url), target: read.url };
      problems.push(`${method}: ${read.problem}`);
      if (o.signal.aborted) break;
    }
  } finally {
    probe.dispose();
  }
  return { attempted: true, error: problems.join('; ') };
}

interface Tried {
  candidate: MetadataCandidate;
  entry: OAuthUrl;
  tried: boolean;
}

type MetadataOutcome = { ok: true; metadata: Record<string, unknown> } | { ok: false; problem: string };

/** Protected-resource metadata: a JSON object with a non-empty `resource`, and `authorization_servers` (if any) a list of strings whose first is a URL. */
function readMetadata(body: Buffer | undefined, status: number): MetadataOutcome {
  const text = (body ?? Buffer.alloc(0)).toString('utf8');
  if (text.trim() === '') return { ok: false, problem: `HTTP ${status} with an empty body` };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { ok: false, problem: `HTTP ${status} with a body that is not JSON` };
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return { ok: false, problem: `HTTP ${status} with JSON that is not an object` };
  const metadata = doc as Record<string, unknown>;
  if (typeof metadata.resource !== 'string' || metadata.resource === '') return { ok: false, problem: `HTTP ${status} with metadata that names no resource` };
  const servers = metadata.authorization_servers;
  if (servers !== undefined && servers !== null) {
    if (!Array.isArray(servers) || servers.some((s) => typeof s !== 'string')) return { ok: false, problem: `HTTP ${status} with authorization_servers that is not a list of URLs` };
    if (servers.length > 0 && !URL.canParse(servers[0] as string)) return { ok: false, problem: `HTTP ${status} with an authorization_servers[0] that is not a URL` };
  }
  return { ok: true, metadata };
}

/**
 * One pass over the candidates; the first 2xx with valid metadata wins.
 *
 * Our choice, unlike the reference daemon (which stops at some of these):
 * every other outcome (network error, 404, 5xx, other 4xx, an empty,
 * oversized or unparsable body, invalid metadata) falls through to the next
 * candidate, so that an SPA catch-all answering 200 HTML at the path-based URL
 * cannot hide valid metadata at the root.
 */
async function metadataPass(
  list: Tried[],
  o: DiscoveryOptions,
  server: URL,
  retry: boolean,
): Promise<{ found?: { item: Tried; result: Extract<ExchangeResult, { ok: true }>; metadata: Record<string, unknown> }; timeoutOnly: boolean }> {
  let timeoutOnly = true;
  for (const item of list) {
    if (o.signal.aborted) break;
    delete item.entry.status;
    delete item.entry.error;
    delete item.entry.selected;
    item.tried = true;
    const request = { dispatcher: o.dispatcher, headersFor: headersFor(o, server), signal: o.signal, readBody: (status: number) => status >= 200 && status < 300 };
    const result = retry
      ? await exchangeWithTimeoutRetries(item.candidate.url, request, o.retryBaseTimeoutMs ?? DEFAULT_RETRY_BASE_TIMEOUT_MS)
      : await exchange(item.candidate.url, { ...request, timeoutMs: o.requestTimeoutMs });
    if (!result.ok) {
      item.entry.error = result.problem;
      if (!result.timeout) timeoutOnly = false;
      continue;
    }
    timeoutOnly = false;
    item.entry.status = result.status;
    if (result.status < 200 || result.status >= 300) {
      item.entry.error = `HTTP ${result.status}`;
      continue;
    }
    if (result.oversized) {
      item.entry.error = `HTTP ${result.status} with a body larger than 1 MiB`;
      continue;
    }
    const read = readMetadata(result.body, result.status);
    if (!read.ok) {
      item.entry.error = read.problem;
      continue;
    }
    item.entry.selected = true;
    return { found: { item, result, metadata: read.metadata }, timeoutOnly: false };
  }
  return { timeoutOnly };
}

/**
 * Finds the MCP server's protected-resource metadata: the challenge probe,
 * then each candidate (challenge URL, path-based well-known URL, root
 * well-known URL) in order; when every candidate only timed out, a second
 * pass with growing deadlines. Never throws.
 */
export async function discoverProtectedResource(o: DiscoveryOptions): Promise<ProtectedResourceFound | ProtectedResourceMissing> {
  const server = parseHttpUrl(o.serverUrl);
  if (!server) {
    return { ok: false, error: 'the MCP server URL is not an absolute http(s) URL', notAdvertised: false, candidates: [], challenge: { attempted: false } };
  }
  const { target, ...challenge } = await probeChallenge(server, o);
  const candidates = dedupeCandidates([...(target ? [{ url: target, source: 'www_authenticate' as const }] : []), ...wellKnownCandidates(server)]);
  const list: Tried[] = candidates.map((candidate) => ({
    candidate,
    entry: { role: 'metadata_candidate', url: displayUrl(candidate.url), source: candidate.source },
    tried: false,
  }));

  let pass = await metadataPass(list, o, server, false);
  if (!pass.found && pass.timeoutOnly && !o.signal.aborted) pass = await metadataPass(list, o, server, true);

  if (o.signal.aborted) {
    for (const item of list) if (!item.tried) item.entry.error = 'not tried: discovery stopped';
  }
  const entries = list.map((item) => item.entry);
  if (pass.found) {
    const { item, result, metadata } = pass.found;
    return { ok: true, status: result.status, headers: filterResponseHeaders(result.headers), metadata, metadataUrl: item.entry.url, candidates: entries, challenge };
  }

  const answered = list.filter((item) => item.entry.status !== undefined);
  const lastStatus = answered.length > 0 ? answered[answered.length - 1].entry.status : undefined;
  const notAdvertised = !target && list.length > 0 && list.every((item) => item.tried && item.entry.status === 404);
  let error: string;
  if (notAdvertised) error = 'every candidate answered 404';
  else {
    const last = [...list].reverse().find((item) => item.tried);
    const lastProblem = last ? `${last.entry.url}: ${last.entry.error ?? 'no answer'}` : undefined;
    if (o.signal.aborted) {
      const why = isTimeoutReason(o.signal.reason) ? 'ran out of time' : 'was stopped';
      error = `discovery ${why}${lastProblem ? ` (last: ${lastProblem})` : ' before any candidate was tried'}`;
    } else error = lastProblem ?? 'no candidate was tried';
  }
  const missing: ProtectedResourceMissing = { ok: false, error, notAdvertised, candidates: entries, challenge };
  if (lastStatus !== undefined) missing.lastStatus = lastStatus;
  return missing;
}

/**
 * Startup discovery: protected-resource metadata, then (when it names one)
 * the authorization server's metadata, all within one budget (5 s). The
 * state is `found`, `not_advertised` or `failed`, never `pending`; failing to
 * read the authorization server's metadata leaves it `found`, with `error`
 * saying why.
 */
export async function runStartupDiscovery(o: Omit<DiscoveryOptions, 'signal'> & { signal?: AbortSignal; timeoutMs?: number }): Promise<OAuthStatus> {
  const { timeoutMs = DEFAULT_DISCOVERY_TIMEOUT_MS, signal = new AbortController().signal, ...rest } = o;
  const overall = budget(signal, timeoutMs);
  const options: DiscoveryOptions = { ...rest, signal: overall.signal };
  try {
    const prm = await discoverProtectedResource(options);
    if (!prm.ok) return { state: prm.notAdvertised ? 'not_advertised' : 'failed', error: prm.error, urls: prm.candidates, finishedAt: Date.now() };

    const urls: OAuthUrl[] = [...prm.candidates];
    const status: OAuthStatus = { state: 'found', metadataUrl: prm.metadataUrl, urls };
    const resource = prm.metadata.resource as string;
    status.resource = displayUrl(resource);
    if (parseHttpUrl(resource)) urls.push({ role: 'resource', url: displayUrl(resource) });
    const servers = prm.metadata.authorization_servers;
    const issuer = Array.isArray(servers) && typeof servers[0] === 'string' ? servers[0] : undefined;
    if (issuer !== undefined) {
      status.authorizationServer = displayUrl(issuer);
      if (!parseHttpUrl(issuer)) status.error = `authorization_servers[0] (${displayUrl(issuer)}) is not an absolute http(s) URL`;
      else {
        urls.push({ role: 'authorization_server', url: displayUrl(issuer) });
        const as = await fetchAuthServerMetadata(issuer, options);
        if (as.error !== undefined) status.error = as.error;
        if (as.selectedUrl !== undefined) urls.push({ role: 'authorization_server_metadata', url: as.selectedUrl });
        // Every field but the issuer (shown as the authorization server) is an endpoint, listed under its own name.
        for (const field of AUTH_SERVER_FIELDS) {
          if (field === 'issuer') continue;
          const value = as.metadata?.[field];
          if (value !== undefined && parseHttpUrl(value)) urls.push({ role: field, url: displayUrl(value) });
        }
      }
    }
    status.finishedAt = Date.now();
    return status;
  } finally {
    overall.dispose();
  }
}

/**
 * The one answer to an `oauth_discovery` command that found no metadata.
 * Our choice: the reference daemon posts nothing and lets the connector wait
 * out its deadline; we always answer, 404 when the server advertises no
 * metadata, 502 when discovery failed. The message names no URL.
 */
export function discoveryFailureAnswer(missing: ProtectedResourceMissing): { status: number; json: Record<string, unknown> } {
  if (missing.notAdvertised) {
    return {
      status: 404,
      json: oauthDiscoveryError('The MCP server publishes no OAuth protected-resource metadata: every well-known URL answered 404.', 'oauth_metadata_not_found'),
    };
  }
  const last = [...missing.candidates].reverse().find((c) => c.error !== undefined && !c.error.startsWith('not tried'));
  const reason = last?.error ?? missing.challenge.error;
  const message = `The tunnel could not fetch the MCP server's OAuth protected-resource metadata${reason ? ` (last attempt: ${reason})` : ''}.`;
  return { status: 502, json: oauthDiscoveryError(message, 'oauth_discovery_failed') };
}
