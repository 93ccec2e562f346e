/** Draws an MCP result: text, images and audio (data: URIs), resource links (readable in place), embedded resources, JSON. */
import { useState } from 'preact/hooks';
import { resourceResult, type RenderedResult, type ResultPart } from '../model/toolResult';
import { JsonView } from './JsonView';
import type { DashboardStore } from './store';

function LinkPart({ part, store }: { part: Extract<ResultPart, { kind: 'link' }>; store: DashboardStore }) {
  const [read, setRead] = useState<RenderedResult | string | undefined>();
  return (
    <div class="part part-link">
      <span class="codicon codicon-link" aria-hidden="true" /> <strong>{part.name ?? part.uri}</strong> <code>{part.uri}</code>
      {part.mimeType && <span class="muted"> {part.mimeType}</span>}
      {part.description && <div class="muted">{part.description}</div>}
      <button
        type="button"
        class="secondary small"
        onClick={async () => {
          setRead('Reading…');
          const answer = await store.request({ method: 'resources/read', uri: part.uri });
          setRead(answer.error ?? resourceResult(answer.result));
        }}
      >
        Read
      </button>
      {typeof read === 'string' && <div class="muted">{read}</div>}
      {typeof read === 'object' && <ResultView result={read} store={store} />}
    </div>
  );
}

function Part({ part, store }: { part: ResultPart; store: DashboardStore }) {
  switch (part.kind) {
    case 'text':
      return <pre class="part part-text">{part.text}</pre>;
    case 'heading':
      return <h4 class="part-heading">{part.text}</h4>;
    case 'image':
      return <img class="part part-image" src={part.src} alt={`Image result (${part.mimeType})`} />;
    case 'audio':
      return <audio class="part" controls src={part.src} aria-label={`Audio result (${part.mimeType})`} />;
    case 'link':
      return <LinkPart part={part} store={store} />;
    case 'resource':
      return (
        <div class="part part-resource">
          <div>
            <span class="codicon codicon-file" aria-hidden="true" /> <code>{part.uri}</code>
            {part.mimeType && <span class="muted"> {part.mimeType}</span>}
            {part.blobBytes !== undefined && <span class="muted"> · {part.blobBytes} bytes</span>}
          </div>
          {part.text !== undefined && <pre class="part-text">{part.text}</pre>}
          {part.src && <img class="part-image" src={part.src} alt={`Resource ${part.uri}`} />}
        </div>
      );
    case 'json':
      return (
        <div class="part">
          <div class="muted">{part.label}</div>
          <JsonView value={part.value} label={part.label} />
        </div>
      );
  }
}

export function ResultView({ result, store }: { result: RenderedResult; store: DashboardStore }) {
  return (
    <div class={`result${result.isError ? ' result-error' : ''}`} role="region" aria-label={result.isError ? 'Result (the tool reported an error)' : 'Result'}>
      {result.isError && (
        <div class="result-flag">
          <span class="codicon codicon-error" aria-hidden="true" /> The tool reported an error
        </div>
      )}
      {result.parts.map((p, i) => (
        <Part key={i} part={p} store={store} />
      ))}
    </div>
  );
}
