/** The loopback front door in the Health section: its URL, its auth mode, and copy buttons; the host reads the token and writes the clipboard. */
import type { EndpointCopy, EndpointView } from '../protocol';

/** `onCopy` asks the host (App posts 'copyEndpoint'); without it, as in a test's render, the buttons do nothing. */
export function EndpointCard({ endpoint, onCopy }: { endpoint: EndpointView; onCopy?: (what: EndpointCopy) => void }) {
  const copy = (what: EndpointCopy) => onCopy?.(what);
  return (
    <section class="card wide endpoint" aria-labelledby="h-endpoint">
      <h2 id="h-endpoint">MCP endpoint</h2>
      <dl class="facts">
        <dt>URL</dt>
        <dd>
          <code class="url">{endpoint.url}</code>
        </dd>
        <dt>Auth</dt>
        <dd>{endpoint.auth}</dd>
      </dl>
      <div class="button-row">
        <button type="button" class="secondary" onClick={() => copy('url')}>
          <span class="codicon codicon-copy" aria-hidden="true" /> Copy MCP URL
        </button>
        {endpoint.hasToken && (
          <button type="button" class="secondary" onClick={() => copy('token')}>
            <span class="codicon codicon-key" aria-hidden="true" /> Copy Token
          </button>
        )}
        <button type="button" class="secondary" onClick={() => copy('curl')}>
          <span class="codicon codicon-terminal" aria-hidden="true" /> Copy as curl
        </button>
      </div>
    </section>
  );
}
