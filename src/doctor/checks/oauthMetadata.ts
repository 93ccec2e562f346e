/**
 * Check `oauth-metadata` (the reference daemon's `oauth_metadata`): for an
 * HTTP main channel, the OAuth discovery the tunnel runs at startup, run now
 * through the same TLS and proxy settings: the server's protected-resource
 * metadata, then its authorization server's. A server that publishes none
 * (every candidate answers 404) passes: it is a plain MCP server. Nothing to
 * check for a stdio main channel, so no result then.
 */
import type { HttpTarget } from '../../engine/config';
import { discoverProtectedResource, displayUrl, fetchAuthServerMetadata, type DiscoveryOptions } from '../../engine/oauth/discovery';
import { discoveryDispatcher } from '../../engine/oauth/dispatcher';
import { ConfigError } from '../../profiles/errors';
import { resolveProfile } from '../../profiles/resolve';
import { RunnableProfileSchema } from '../../profiles/schema';
import { USER_AGENT } from '../../version';
import { at, isPlainObject, type DoctorInputs } from '../inputs';
import type { DoctorCheck } from '../report';

const ID = 'oauth-metadata';
const REFERENCE_ID = 'oauth_metadata';
const TITLE = 'OAuth metadata of the main MCP server';
/** Each request's deadline, and the whole check's. */
const REQUEST_TIMEOUT_MS = 2000;
const OVERALL_TIMEOUT_MS = 5000;

const WHY =
  'An MCP server protected by OAuth tells the hosted agent how to sign in through its protected-resource metadata (RFC 9728) and its authorization server’s metadata (RFC 8414). ' +
  'The tunnel fetches them from inside your network at start and for the agent; while it cannot, the tunnel reports itself not ready.';

function check(status: DoctorCheck['status'], detail: string, extra: Partial<DoctorCheck> = {}): DoctorCheck {
  return { id: ID, title: TITLE, status, detail, referenceId: REFERENCE_ID, ...extra };
}

/** The main channel's HTTP target as the tunnel would run it, or a result saying why it cannot be checked. */
async function mainTarget(inputs: DoctorInputs): Promise<HttpTarget | DoctorCheck | undefined> {
  const servers = at(inputs.raw, ['mcp', 'servers']);
  if (!Array.isArray(servers)) return undefined;
  const main = servers.find((s) => isPlainObject(s) && (s.channel ?? 'main') === 'main');
  if (!isPlainObject(main) || typeof main.url !== 'string') return undefined;
  const parsed = RunnableProfileSchema.safeParse(inputs.raw);
  if (!parsed.success) return undefined; // the configuration check says what is wrong
  try {
    // The API key is not needed here, and its own check reports on it.
    const config = await resolveProfile(parsed.data, { ...inputs.opts, env: inputs.env, describeField: inputs.describeField, apiKey: 'doctor-unused', warnings: [] });
    const target = config.mcp.targets.find((t) => t.channel === 'main');
    return target?.kind === 'http' ? target : undefined;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return check('warn', `Not checked: ${err.field}: ${err.problem}`, { why: WHY, fix: err.fix });
  }
}

function metadataPath(serverUrl: string): string {
  const path = new URL(serverUrl).pathname.replace(/^\/+|\/+$/g, '');
  return `/.well-known/oauth-protected-resource${path === '' ? '' : `/${path}`}`;
}

export async function oauthMetadata(inputs: DoctorInputs): Promise<DoctorCheck[]> {
  const target = await mainTarget(inputs);
  if (target === undefined) return [];
  if (!('kind' in target)) return [target];

  const dispatcher = discoveryDispatcher(target);
  const signal = AbortSignal.timeout(OVERALL_TIMEOUT_MS);
  const options: DiscoveryOptions = { serverUrl: target.url, dispatcher, originHeaders: target.headers, userAgent: USER_AGENT, signal, requestTimeoutMs: REQUEST_TIMEOUT_MS };
  try {
    const prm = await discoverProtectedResource(options);
    if (!prm.ok && prm.notAdvertised) return [check('ok', 'OAuth metadata not advertised; all candidates returned HTTP 404')];
    if (!prm.ok) {
      const lines = [prm.error, ...prm.candidates.map((c) => `${c.url}: ${c.error ?? `HTTP ${c.status}`}`)];
      if (prm.challenge.error) lines.push(`challenge probe of ${displayUrl(target.url)}: ${prm.challenge.error}`);
      return [
        check('fail', lines.join('\n'), {
          why: WHY,
          fix:
            `Have the MCP server answer GET ${metadataPath(target.url)} with its protected-resource metadata (or name the metadata URL in a 401 WWW-Authenticate: Bearer resource_metadata="…" challenge); ` +
            'make authorization_servers[0] serve /.well-known/oauth-authorization-server; once the tunnel runs, /readyz says whether discovery succeeded',
        }),
      ];
    }

    const lines = [`HTTP ${prm.status} from ${prm.metadataUrl}`];
    const servers = prm.metadata.authorization_servers;
    const issuer = Array.isArray(servers) && typeof servers[0] === 'string' ? servers[0] : undefined;
    if (issuer === undefined) return [check('ok', lines.join('\n'))];
    lines.push(`authorization server: ${displayUrl(issuer)}`);
    const as = await fetchAuthServerMetadata(issuer, options);
    if (!as.metadata) {
      lines.push(as.error ?? 'no authorization-server metadata');
      return [
        check('warn', lines.join('\n'), {
          why: WHY,
          fix: `Make ${displayUrl(issuer)} serve its metadata at /.well-known/oauth-authorization-server (RFC 8414) or /.well-known/openid-configuration, reachable from this machine`,
        }),
      ];
    }
    if (as.selectedUrl) lines.push(`authorization-server metadata: ${as.selectedUrl}`);
    if (as.metadata.token_endpoint) lines.push(`token endpoint: ${displayUrl(as.metadata.token_endpoint)}`);
    if (as.metadata.registration_endpoint) lines.push(`registration endpoint: ${displayUrl(as.metadata.registration_endpoint)}`);
    if (as.issuerMismatch) lines.push(`note: the metadata names the issuer ${as.metadata.issuer === undefined ? '(none)' : displayUrl(as.metadata.issuer)}, not ${displayUrl(issuer)}`);
    return [check('ok', lines.join('\n'))];
  } finally {
    await dispatcher.destroy().catch(() => undefined);
  }
}
