/** Collapsible, pretty JSON: objects and arrays open two levels deep, long arrays in pages, a raw view to select and copy. */
import { useState } from 'preact/hooks';

const PAGE = 100;
/** Subtrees whose JSON is shorter than this open on their own, so a typical MCP result reads at a glance. */
const SMALL = 600;

function small(value: unknown): boolean {
  try {
    return (JSON.stringify(value)?.length ?? 0) < SMALL;
  } catch {
    return false;
  }
}

function Leaf({ value }: { value: unknown }) {
  if (value === null) return <span class="j-null">null</span>;
  switch (typeof value) {
    case 'string':
      return <span class="j-str">{JSON.stringify(value)}</span>;
    case 'number':
      return <span class="j-num">{String(value)}</span>;
    case 'boolean':
      return <span class="j-bool">{String(value)}</span>;
    default:
      return <span class="j-null">{value === undefined ? 'undefined' : String(value)}</span>;
  }
}

function Node({ name, value, depth }: { name?: string; value: unknown; depth: number }) {
  const composite = typeof value === 'object' && value !== null;
  const [open, setOpen] = useState(() => composite && (depth < 2 || small(value)));
  const [shown, setShown] = useState(PAGE);
  const label = name !== undefined ? <span class="j-key">{name}: </span> : null;
  if (!composite) {
    return (
      <div class="j-row" role="treeitem">
        {label}
        <Leaf value={value} />
      </div>
    );
  }
  const entries: [string, unknown][] = Array.isArray(value) ? value.map((v, i) => [String(i), v]) : Object.entries(value as Record<string, unknown>);
  const brackets = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
  const summary = Array.isArray(value) ? `${entries.length} item${entries.length === 1 ? '' : 's'}` : `${entries.length} key${entries.length === 1 ? '' : 's'}`;
  return (
    <div class="j-row" role="treeitem" aria-expanded={open}>
      <button type="button" class="j-toggle" aria-expanded={open} onClick={() => setOpen(!open)} title={open ? 'Collapse' : 'Expand'}>
        <span class={`codicon codicon-chevron-${open ? 'down' : 'right'}`} aria-hidden="true" />
        {label}
        <span class="j-punct">{brackets[0]}</span>
        {!open && (
          <span class="j-summary">
            {' '}
            {summary} <span class="j-punct">{brackets[1]}</span>
          </span>
        )}
      </button>
      {open && (
        <div class="j-children" role="group">
          {entries.slice(0, shown).map(([k, v]) => (
            <Node key={k} name={Array.isArray(value) ? undefined : k} value={v} depth={depth + 1} />
          ))}
          {entries.length > shown && (
            <button type="button" class="link" onClick={() => setShown(shown + PAGE)}>
              Show {Math.min(PAGE, entries.length - shown)} more of {entries.length - shown}
            </button>
          )}
          <span class="j-punct">{brackets[1]}</span>
        </div>
      )}
    </div>
  );
}

export function JsonView({ value, label }: { value: unknown; label: string }) {
  const [raw, setRaw] = useState(false);
  return (
    <div class="json">
      <div class="json-tools">
        <button type="button" class="link" onClick={() => setRaw(!raw)} aria-pressed={raw}>
          {raw ? 'Tree' : 'Raw'}
        </button>
      </div>
      {raw ? (
        <pre class="json-raw" tabIndex={0} aria-label={`${label} as JSON text`}>
          {JSON.stringify(value, null, 2)}
        </pre>
      ) : (
        <div class="json-tree" role="tree" aria-label={label}>
          <Node value={value} depth={0} />
        </div>
      )}
    </div>
  );
}

/** A titled, collapsible section holding JSON. */
export function JsonSection({ title, value, open = true }: { title: string; value: unknown; open?: boolean }) {
  return (
    <details class="section" open={open}>
      <summary>{title}</summary>
      <JsonView value={value} label={title} />
    </details>
  );
}
