/**
 * OAuth discovery at startup for the `main` Streamable HTTP server, as the
 * reference daemon runs it (after the startup wait, when there is one): the
 * protected-resource metadata and its authorization server's metadata, shown
 * in the status and feeding readiness.
 *
 * Unlike the reference, which tries once, a failed discovery is tried again
 * with capped back-off (1 s doubling to 60 s) until it gives an answer: a
 * server that was still starting must not leave the tunnel "failed" for the
 * rest of its life. `found` and `not_advertised` are final.
 */
import type { OAuthStatus, OAuthUrl } from '../events';
import type { Logger } from '../log';

const RETRY_INITIAL_MS = 1000;
const RETRY_MAX_MS = 60_000;

/** The part of a channel startup discovery needs. */
export interface DiscoveringChannel {
  readonly name: string;
  startupDiscovery(signal: AbortSignal): Promise<OAuthStatus>;
}

/** What OAuth discovery means for readiness right now. */
export type OAuthReadinessView = { kind: 'none' } | { kind: 'pending' } | { kind: 'failed'; reason: string };

export class StartupOAuthDiscovery {
  private current: OAuthStatus = { state: 'pending', urls: [] };
  private attempt = 0;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  /** The early retry `serverAnswered` may start, once per run of failures. */
  private earlyRetryUsed = false;
  private stopped = false;

  constructor(
    private readonly channel: DiscoveringChannel,
    private readonly logger: Logger,
    private readonly stop: AbortSignal,
    private readonly onChange: () => void,
  ) {
    stop.addEventListener(
      'abort',
      () => {
        this.stopped = true;
        if (this.timer) clearTimeout(this.timer);
      },
      { once: true },
    );
  }

  /** Runs discovery once `after` settles (the startup wait). */
  start(after: Promise<void>): void {
    void after.then(() => this.run());
  }

  status(): OAuthStatus {
    return this.current;
  }

  /**
   * The MCP server answered a probe. When discovery failed only because the
   * server could not be reached (it was still starting), it is tried again at
   * once rather than after its back-off.
   */
  serverAnswered(): void {
    if (this.current.state !== 'failed' || this.running || this.earlyRetryUsed || this.stopped) return;
    const candidates = this.current.urls.filter((u) => u.role === 'metadata_candidate');
    if (candidates.some((u) => u.status !== undefined)) return;
    this.earlyRetryUsed = true;
    if (this.timer) clearTimeout(this.timer);
    void this.run();
  }

  view(): OAuthReadinessView {
    if (this.current.state === 'pending') return { kind: 'pending' };
    if (this.current.state === 'failed') return { kind: 'failed', reason: `oauth discovery failed: ${this.current.error ?? 'unknown error'}` };
    return { kind: 'none' };
  }

  private async run(): Promise<void> {
    if (this.stopped || this.running) return;
    this.running = true;
    let result: OAuthStatus;
    try {
      result = await this.channel.startupDiscovery(this.stop);
    } catch (err) {
      result = { state: 'failed', error: (err as Error).message ?? String(err), urls: this.current.urls, finishedAt: Date.now() };
    } finally {
      this.running = false;
    }
    if (this.stopped) return;
    if (result.state !== 'failed') this.earlyRetryUsed = false;
    const before = this.current;
    this.current = result;
    this.report(before, result);
    this.onChange();
    if (result.state === 'failed') {
      const wait = Math.min(RETRY_MAX_MS, RETRY_INITIAL_MS * 2 ** Math.min(this.attempt, 10));
      this.attempt++;
      this.timer = setTimeout(() => void this.run(), wait);
      this.timer.unref();
    }
  }

  private report(before: OAuthStatus, now: OAuthStatus): void {
    const candidates = now.urls.filter((u) => u.role === 'metadata_candidate').map((u, i) => `${i + 1}:${u.url}`);
    const fields = { channel: this.channel.name, oauth_discovery_urls: candidates };
    if (now.state === 'found') {
      this.logger.info(`OAuth discovery: protected-resource metadata found at ${now.metadataUrl ?? '(unknown)'}`, {
        ...fields,
        resource: now.resource ?? '',
        authorization_server: now.authorizationServer ?? '',
        ...endpointFields(now.urls),
      });
      if (now.error) this.logger.warn(`OAuth discovery: ${now.error}`, fields);
    } else if (now.state === 'not_advertised') {
      this.logger.info('OAuth discovery: the MCP server publishes no protected-resource metadata (every candidate answered 404): a server without OAuth', fields);
    } else if (before.state !== 'failed' || before.error !== now.error) {
      this.logger.warn(`OAuth discovery failed: ${now.error ?? 'unknown error'}; trying again`, fields);
    }
  }
}

/** The endpoints discovery learned, as log fields (`token_endpoint`, `registration_endpoint`, …). */
function endpointFields(urls: readonly OAuthUrl[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const u of urls) if (u.role.endsWith('_endpoint') || u.role === 'jwks_uri') out[u.role] = u.url;
  return out;
}
