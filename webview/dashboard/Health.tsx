/** Health: the state and why, the control plane, the MCP server, its OAuth discovery and its stderr. */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ChannelStatusEntry, OAuthStatus, OAuthUrl } from '../../src/engine/events';
import { candidateAnswer, candidateError, candidateSource, learnedUrls, metadataCandidates, OAUTH_ROLE_LABELS, oauthSummary, type OAuthSummary } from '../model/oauth';
import type { EndpointCopy, HealthView } from '../protocol';
import { EndpointCard } from './Endpoint';
import { ago, clock, duration } from './format';

/** Re-renders once a second, for countdowns and "ago" texts. */
export function useNow(): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

const TONE_ICON: Record<HealthView['tone'], string> = { ok: 'pass-filled', warn: 'warning', error: 'error', idle: 'circle-outline', busy: 'sync' };

export function StateBadge({ health }: { health: HealthView | undefined }) {
  const tone = health?.tone ?? 'idle';
  return (
    <span class={`badge tone-${tone}`} role="status" aria-label={`Tunnel state: ${health?.state ?? 'loading'}`} data-state={health?.state ?? ''}>
      <span class={`codicon codicon-${TONE_ICON[tone]}`} aria-hidden="true" />
      {health?.state ?? '…'}
    </span>
  );
}

function Row({ label, children, current }: { label: string; children: preact.ComponentChildren; current?: boolean }) {
  return (
    <>
      <dt class={current ? 'current' : undefined} aria-current={current ? 'true' : undefined}>
        {label}
      </dt>
      <dd class={current ? 'current' : undefined}>{children}</dd>
    </>
  );
}

/** Harpoon's targets and recent calls; bodies only when the profile captures them (already redacted). */
function Harpoon({ c }: { c: ChannelStatusEntry }) {
  const calls = [...(c.harpoonCalls ?? [])].reverse();
  return (
    <dl class="facts">
      <Row label="Channel">{c.channel}</Row>
      <Row label="Transport">Harpoon (built-in constrained HTTP client)</Row>
      <Row label="Targets">{(c.harpoonTargets ?? []).map((t) => `${t.label} (${t.source})`).join(', ') || 'none'}</Row>
      <Row label="In flight">{c.inFlight}</Row>
      <Row label="Recent calls">
        {calls.length === 0 ? (
          'none yet'
        ) : (
          <ul class="harpoon-calls">
            {calls.map((call) => (
              <li key={`${call.at}-${call.label}`}>
                {call.method} {call.label} → {call.error ? call.error : call.status} · {call.latencyMs} ms · {call.responseBytes} B
                {call.requestBody !== undefined && <pre class="payload">{call.requestBody}</pre>}
                {call.responseBody !== undefined && <pre class="payload">{call.responseBody}</pre>}
              </li>
            ))}
          </ul>
        )}
      </Row>
    </dl>
  );
}

function Channel({ c, now }: { c: ChannelStatusEntry; now: number }) {
  if (c.kind === 'harpoon') return <Harpoon c={c} />;
  return (
    <dl class="facts">
      <Row label="Channel">{c.channel}</Row>
      <Row label="Transport">{c.kind === 'stdio' ? 'stdio (child process)' : 'Streamable HTTP'}</Row>
      <Row label={c.kind === 'stdio' ? 'PID' : 'URL'}>{c.kind === 'stdio' ? (c.pid ?? '—') : (c.origin ?? '—')}</Row>
      <Row label="State">
        {c.state}
        {c.reason ? ` — ${c.reason}` : ''}
      </Row>
      <Row label="Uptime">{c.startedAt && c.state === 'ready' ? duration(now - c.startedAt) : '—'}</Row>
      <Row label="Restarts">{c.restarts}</Row>
      <Row label="In flight">{c.inFlight}</Row>
    </dl>
  );
}

/** A URL as text that wraps anywhere (no horizontal scroll at any width), selectable to copy. */
function Url({ url }: { url: string }) {
  return (
    <code class="url" title={url}>
      {url}
    </code>
  );
}

const OAUTH_ICON: Record<OAuthSummary['tone'], string> = { ok: 'pass-filled', idle: 'info', busy: 'sync', warn: 'warning' };

function Candidate({ url }: { url: OAuthUrl }) {
  const source = candidateSource(url);
  const error = candidateError(url);
  return (
    // The spaces between the parts are for copying and screen readers; the flex gap lays them out.
    <li class={url.selected ? 'selected' : undefined} aria-current={url.selected ? 'true' : undefined}>
      <span class={`answer${url.selected ? ' tone-ok' : ''}`}>
        {url.selected && <span class="codicon codicon-check" aria-hidden="true" />}
        {candidateAnswer(url)}
        {url.selected && (
          <>
            {' '}
            <span class="pill out-ok">selected</span>
          </>
        )}
      </span>{' '}
      <Url url={url.url} />
      {source && (
        <>
          {' '}
          <span class="muted source">{source}</span>
        </>
      )}
      {error && (
        <>
          {' '}
          <span class="error-text">{error}</span>
        </>
      )}
    </li>
  );
}

/** What OAuth discovery found for an HTTP main channel; the caller shows it only when the engine reports it. */
export function OAuthCard({ oauth, now }: { oauth: OAuthStatus; now: number }) {
  const summary = oauthSummary(oauth);
  const candidates = metadataCandidates(oauth);
  const learned = learnedUrls(oauth);
  const finished = oauth.state !== 'pending' && oauth.finishedAt ? oauth.finishedAt : undefined;
  const hasFacts = Boolean(oauth.resource) || summary.endpoints.length > 0 || finished !== undefined;
  return (
    // A full row: URLs need the width.
    <section class="card wide oauth" aria-labelledby="h-oauth" data-oauth-state={oauth.state}>
      <h2 id="h-oauth">OAuth</h2>
      <p class={`headline tone-${summary.tone}`} role="status">
        <span class={`codicon codicon-${OAUTH_ICON[summary.tone]}`} aria-hidden="true" />
        <span>
          {summary.lead}
          {summary.url && (
            <>
              {' '}
              <Url url={summary.url} />
            </>
          )}
        </span>
      </p>
      {summary.note && <p class="muted">{summary.note}</p>}
      {hasFacts && (
        <dl class="facts">
          {oauth.resource && (
            <Row label="Resource">
              <Url url={oauth.resource} />
            </Row>
          )}
          {summary.endpoints.map((e) => (
            <Row key={e.label} label={e.label}>
              <Url url={e.url} />
            </Row>
          ))}
          {finished !== undefined && <Row label="Finished">{`${ago(finished, now)} (${clock(finished)})`}</Row>}
        </dl>
      )}
      {(candidates.length > 0 || learned.length > 0) && (
        <details class="oauth-urls" open={oauth.state === 'failed'}>
          <summary>Discovery URLs ({oauth.urls.length})</summary>
          {candidates.length > 0 && (
            <>
              <p class="muted caption" id="oauth-candidates">
                Metadata candidates, in the order tried
              </p>
              <ol class="candidates" aria-labelledby="oauth-candidates">
                {candidates.map((u, i) => (
                  <Candidate key={i} url={u} />
                ))}
              </ol>
            </>
          )}
          {learned.length > 0 && (
            <dl class="facts">
              {learned.map((u, i) => (
                <Row key={i} label={OAUTH_ROLE_LABELS[u.role]}>
                  <Url url={u.url} />
                </Row>
              ))}
            </dl>
          )}
        </details>
      )}
    </section>
  );
}

function Stderr({ lines }: { lines: string[] }) {
  const ref = useRef<HTMLPreElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [lines.length, lines[lines.length - 1]]);
  if (!lines.length) return <p class="muted">Nothing yet.</p>;
  return (
    <pre class="stderr" ref={ref} tabIndex={0} aria-label="The last lines of the MCP server's stderr">
      {lines.join('\n')}
    </pre>
  );
}

/** What each state word means, as the Tunnels view, the status bar and /readyz use them. */
export const STATE_HELP: readonly { state: string; meaning: string }[] = [
  {
    state: 'ready',
    meaning:
      'The control plane answers polls and every MCP server answered the tunnel’s own initialize: a call would work. “ready (MCP initialize requires auth …)” is an OAuth-protected server, usable by a connector that brings a token.',
  },
  {
    state: 'starting',
    meaning:
      'Not proven yet: waiting for the control plane to answer the first poll, for the MCP server to start and answer initialize, or, with a startup wait, for an HTTP server to accept connections before the first poll.',
  },
  {
    state: 'degraded',
    meaning:
      'Something that worked now fails: the control plane cannot be reached, the MCP probe failed (the server is probed again and the tunnel turns ready by itself), or the startup wait ran out.',
  },
  { state: 'restarting', meaning: 'The MCP server exited and is started again with growing back-off; the reason holds its exit and its last stderr lines.' },
  { state: 'auth error', meaning: 'The control plane refused the API key or does not know the tunnel id. Retrying will not help: set the key again or fix the id.' },
  { state: 'crashed', meaning: 'The tunnel’s worker process ended. Start the tunnel again; the MCP Tunnel output says why.' },
  { state: 'invalid', meaning: 'The profile has problems. Expand it in the Tunnels view to see each one.' },
  { state: 'stopped', meaning: 'Not running.' },
];

function StateHelp({ current }: { current: string | undefined }) {
  return (
    <details class="state-help">
      <summary>What the states mean</summary>
      <dl class="facts">
        {STATE_HELP.map(({ state, meaning }) => (
          <Row key={state} label={state} current={state === current}>
            {meaning}
          </Row>
        ))}
      </dl>
    </details>
  );
}

export function Health({ health, onCopyEndpoint }: { health: HealthView | undefined; onCopyEndpoint?: (what: EndpointCopy) => void }) {
  const now = useNow();
  if (!health) return <p class="muted">Loading…</p>;
  const s = health.status;
  const pollErrors = Object.entries(s?.pollErrors ?? {}).filter(([, n]) => (n ?? 0) > 0);
  const backoff = s?.retryAt && s.retryAt > now ? Math.ceil((s.retryAt - now) / 1000) : undefined;
  return (
    <div class="cards">
      <section class="card" aria-labelledby="h-state">
        <h2 id="h-state">State</h2>
        <div class="state-line">
          <StateBadge health={health} />
        </div>
        {health.reason && <p class="reason">{health.reason}</p>}
        {!health.running && <p class="muted">Start the tunnel from the Tunnels view or with "MCP Tunnel: Start Tunnel".</p>}
        <StateHelp current={health.state.replace(/ \(.*$/, '')} />
        <dl class="facts">
          {health.workerPid !== undefined && <Row label="Worker PID">{health.workerPid}</Row>}
          <Row label="Payload capture">{health.capturePayloads ? 'on (redacted)' : 'off (metadata only)'}</Row>
          {s?.healthUrl && <Row label="Health endpoint">{s.healthUrl}</Row>}
        </dl>
      </section>
      {health.endpoint && <EndpointCard endpoint={health.endpoint} onCopy={onCopyEndpoint} />}
      <section class="card" aria-labelledby="h-cp">
        <h2 id="h-cp">Control plane</h2>
        {s ? (
          <dl class="facts">
            <Row label="URL">{s.controlPlane}</Row>
            <Row label="Tunnel">
              <code>{s.tunnelId}</code>
              {s.tunnelName ? ` (${s.tunnelName})` : ''}
            </Row>
            <Row label="Last successful poll">{s.lastPollAt ? `${ago(s.lastPollAt, now)} (${clock(s.lastPollAt)})` : 'never'}</Row>
            <Row label="Poll errors">{pollErrors.length ? pollErrors.map(([k, n]) => `${k} ${n}`).join(' · ') : 'none'}</Row>
            {s.consecutivePollErrors > 0 && <Row label="Failing in a row">{s.consecutivePollErrors}</Row>}
            {s.lastError && s.consecutivePollErrors > 0 && <Row label="Last error">{s.lastError}</Row>}
            {backoff !== undefined && (
              <Row label="Backing off">
                <span class="countdown" role="timer">
                  next poll in {backoff} s
                </span>
              </Row>
            )}
          </dl>
        ) : (
          <p class="muted">No report yet.</p>
        )}
      </section>
      <section class="card" aria-labelledby="h-mcp">
        <h2 id="h-mcp">MCP server</h2>
        {s?.channels.length ? s.channels.map((c) => <Channel key={c.channel} c={c} now={now} />) : <p class="muted">Not running.</p>}
      </section>
      {s?.oauth && <OAuthCard oauth={s.oauth} now={now} />}
      <section class="card wide" aria-labelledby="h-stderr">
        <h2 id="h-stderr">Server stderr</h2>
        <Stderr lines={health.stderr} />
      </section>
    </div>
  );
}
