/**
 * Tools: the server's tools with a form generated from each inputSchema, Run
 * and the rendered result (the call lands in the trace too); its resources
 * and prompts, listed and readable.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { childPath, conform, fieldsFromSchema, initialValues, itemPath, toFormValue, validateForm, type FormField, type FormValue, type FormValues } from '../model/schemaForm';
import { promptResult, resourceResult, toolResult, type RenderedResult } from '../model/toolResult';
import { ResultView } from './Result';
import type { ToolsView } from './state';
import type { DashboardStore, McpAnswer } from './store';

interface Tool {
  name: string;
  title?: string;
  description?: string;
  inputSchema?: unknown;
  annotations?: Record<string, unknown>;
}

interface Listing<T> {
  items?: T[];
  error?: string;
  loading: boolean;
}

function useListing<T>(store: DashboardStore, method: 'tools/list' | 'resources/list' | 'prompts/list', key: string, active: boolean) {
  const [state, setState] = useState<Listing<T>>({ loading: false });
  const load = async () => {
    setState((s) => ({ ...s, loading: true }));
    const answer = await store.request({ method });
    const items = (answer.result as Record<string, unknown> | undefined)?.[key];
    setState({ loading: false, error: answer.error, items: Array.isArray(items) ? (items as T[]) : answer.error ? undefined : [] });
  };
  const running = store.health?.running ?? false;
  useEffect(() => {
    if (active && running && !state.items && !state.loading) void load();
  }, [active, running]);
  return { ...state, load };
}

function TraceLink({ answer, onShowTrace }: { answer: McpAnswer | undefined; onShowTrace(key: number): void }) {
  if (answer?.traceKey === undefined) return null;
  return (
    <button type="button" class="link" onClick={() => onShowTrace(answer.traceKey!)}>
      Show in the trace
    </button>
  );
}

/** A DOM id for a field path ("edits[1].oldText" → "f-edits-1-oldText"). */
function fieldId(path: string): string {
  return `f-${path.replace(/[^\w-]+/g, '-').replace(/-+$/, '')}`;
}

function typeLabel(field: FormField): string {
  if (field.kind === 'json') return field.jsonType === 'any' ? 'JSON' : (field.jsonType ?? 'JSON');
  if (field.kind === 'array') return `list of ${field.item?.kind === 'object' ? 'objects' : (field.item?.kind ?? 'values')}`;
  return field.kind;
}

function Required({ field }: { field: FormField }) {
  if (!field.required) return null;
  return (
    <span class="required" aria-hidden="true" title="required">
      {' '}
      *
    </span>
  );
}

interface FieldProps {
  field: FormField;
  /** The field's path from the top: its id, the key of its error. */
  path: string;
  /** What the field is called on screen; an array's item is "Item n". */
  label?: string;
  value: FormValue;
  errors: Record<string, string>;
  onChange(v: FormValue): void;
  /** An array item's Remove button, beside its label. */
  onRemove?: () => void;
}

function RemoveButton({ label, onRemove }: { label: string; onRemove(): void }) {
  return (
    <button type="button" class="icon-button remove" onClick={onRemove} title={`Remove ${label}`} aria-label={`Remove ${label}`}>
      <span class="codicon codicon-trash" aria-hidden="true" />
    </button>
  );
}

/** An object's properties as a fieldset of fields. */
function ObjectField({ field, path, label, value, errors, onChange, onRemove }: FieldProps) {
  const values = (typeof value === 'object' && !Array.isArray(value) ? value : {}) as FormValues;
  const id = fieldId(path);
  return (
    <fieldset class="subform" id={id} aria-describedby={field.description ? `${id}-hint` : undefined}>
      <legend>
        {label ?? field.label}
        <Required field={field} />
        {!onRemove && <span class="muted type"> object</span>}
        {onRemove && <RemoveButton label={label ?? field.label} onRemove={onRemove} />}
      </legend>
      {field.description && (
        <div id={`${id}-hint`} class="hint">
          {field.description}
        </div>
      )}
      {(field.fields ?? []).map((f) => (
        <Field key={f.name} field={f} path={childPath(path, f.name)} value={values[f.name] ?? ''} errors={errors} onChange={(v) => onChange({ ...values, [f.name]: v })} />
      ))}
    </fieldset>
  );
}

/** An array as its items, each a field of the item schema, with Add and Remove. */
function ArrayField({ field, path, label, value, errors, onChange }: FieldProps) {
  const items = Array.isArray(value) ? value : [];
  const id = fieldId(path);
  const error = errors[path];
  const name = label ?? field.label;
  const full = field.maxItems !== undefined && items.length >= field.maxItems;
  return (
    <fieldset class={`subform list-form${error ? ' invalid' : ''}`} id={id} aria-describedby={[field.description ? `${id}-hint` : '', error ? `${id}-err` : ''].filter(Boolean).join(' ') || undefined}>
      <legend>
        {name}
        <Required field={field} />
        <span class="muted type"> {typeLabel(field)}</span>
      </legend>
      {field.description && (
        <div id={`${id}-hint`} class="hint">
          {field.description}
        </div>
      )}
      {items.length === 0 && <p class="muted empty-list">No items{field.required ? ': an empty list is sent' : ''}.</p>}
      {items.map((item, i) => (
        <Field
          key={i}
          field={field.item!}
          path={itemPath(path, i)}
          label={`Item ${i + 1}`}
          value={item}
          errors={errors}
          onChange={(v) => onChange(items.map((old, j) => (j === i ? v : old)))}
          onRemove={() => onChange(items.filter((_, j) => j !== i))}
        />
      ))}
      <button type="button" class="secondary small add-item" disabled={full} onClick={() => onChange([...items, toFormValue(field.item!, undefined)])} aria-label={`Add an item to ${name}`}>
        <span class="codicon codicon-add" aria-hidden="true" /> Add item
      </button>
      {error && (
        <div id={`${id}-err`} class="error-text" role="alert">
          {error}
        </div>
      )}
    </fieldset>
  );
}

function Field(props: FieldProps) {
  const { field, path, value, errors, onChange, onRemove } = props;
  if (field.kind === 'object') return <ObjectField {...props} />;
  if (field.kind === 'array') return <ArrayField {...props} />;
  const text = typeof value === 'string' ? value : '';
  const label = props.label ?? field.label;
  const error = errors[path];
  const id = fieldId(path);
  const hint = field.description ? `${id}-hint` : undefined;
  const err = error ? `${id}-err` : undefined;
  const described = [hint, err].filter(Boolean).join(' ') || undefined;
  const common = { id, 'aria-invalid': error ? true : undefined, 'aria-required': field.required, 'aria-describedby': described };
  let input;
  switch (field.kind) {
    case 'boolean':
      input = (
        <select {...common} value={text} onChange={(e) => onChange(e.currentTarget.value)}>
          {!field.required && <option value="">— not set —</option>}
          <option value="true">true</option>
          <option value="false">false</option>
        </select>
      );
      break;
    case 'enum':
      input = (
        <select {...common} value={text} onChange={(e) => onChange(e.currentTarget.value)}>
          <option value="">{field.required ? '— choose —' : '— not set —'}</option>
          {(field.options ?? []).map((o, i) => (
            <option key={i} value={String(i)}>
              {typeof o === 'string' ? o : JSON.stringify(o)}
            </option>
          ))}
        </select>
      );
      break;
    case 'json':
      input = <textarea {...common} class="mono" rows={4} placeholder={field.placeholder} value={text} onInput={(e) => onChange(e.currentTarget.value)} spellcheck={false} />;
      break;
    default:
      input = (
        <input
          {...common}
          type="text"
          inputMode={field.kind === 'string' ? undefined : field.kind === 'integer' ? 'numeric' : 'decimal'}
          value={text}
          onInput={(e) => onChange(e.currentTarget.value)}
          placeholder={field.kind === 'string' ? (field.format ?? '') : field.kind}
        />
      );
  }
  return (
    <div class={`form-row${error ? ' invalid' : ''}`}>
      <div class="label-line">
        <label for={id}>
          {label}
          <Required field={field} />
          <span class="muted type"> {typeLabel(field)}</span>
        </label>
        {onRemove && <RemoveButton label={label} onRemove={onRemove} />}
      </div>
      {input}
      {field.description && (
        <div id={hint} class="hint">
          {field.description}
        </div>
      )}
      {error && (
        <div id={err} class="error-text" role="alert">
          {error}
        </div>
      )}
    </div>
  );
}

function ToolForm({ tool, store, values, onValues, onShowTrace }: { tool: Tool; store: DashboardStore; values: FormValues | undefined; onValues(v: FormValues): void; onShowTrace(key: number): void }) {
  const fields = useMemo(() => fieldsFromSchema(tool.inputSchema), [tool]);
  const current = useMemo(() => (values ? conform(fields, values) : initialValues(fields)), [fields, values]);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [attempted, setAttempted] = useState(false);
  const [run, setRun] = useState<{ busy: boolean; answer?: McpAnswer; rendered?: RenderedResult }>({ busy: false });
  useEffect(() => {
    setErrors({});
    setAttempted(false);
    setRun({ busy: false });
  }, [tool.name]);

  const change = (name: string, v: FormValue) => {
    const next = { ...current, [name]: v };
    onValues(next);
    if (attempted) setErrors(validateForm(fields, next).errors);
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    setAttempted(true);
    const checked = validateForm(fields, current);
    setErrors(checked.errors);
    if (!checked.ok) return;
    setRun({ busy: true });
    const answer = await store.request({ method: 'tools/call', name: tool.name, arguments: checked.args });
    setRun({ busy: false, answer, rendered: answer.error ? undefined : toolResult(answer.result) });
  };
  return (
    <div class="tool">
      <h3>{tool.title ?? tool.name}</h3>
      {tool.title && <code>{tool.name}</code>}
      {tool.description && <p class="description">{tool.description}</p>}
      <form onSubmit={submit} noValidate aria-label={`Arguments of ${tool.name}`}>
        {fields.length ? fields.map((f) => <Field key={f.name} field={f} path={f.name} value={current[f.name] ?? ''} errors={errors} onChange={(v) => change(f.name, v)} />) : <p class="muted">This tool takes no arguments.</p>}
        <div class="buttons">
          <button type="submit" disabled={run.busy || !store.health?.running}>
            <span class={`codicon codicon-${run.busy ? 'loading codicon-modifier-spin' : 'play'}`} aria-hidden="true" /> Run
          </button>
          <button type="button" class="secondary" onClick={() => onValues(initialValues(fields))}>
            Reset
          </button>
          {Object.keys(errors).length > 0 && (
            <span class="error-text" role="alert">
              Not run: fix {Object.keys(errors).length === 1 ? 'the marked field' : 'the marked fields'}: {Object.keys(errors).join(', ')}.
            </span>
          )}
        </div>
      </form>
      {run.answer && (
        <div class="run-result" aria-live="polite">
          <div class="result-head">
            <h4>Result</h4>
            <TraceLink answer={run.answer} onShowTrace={onShowTrace} />
          </div>
          {run.answer.error ? <p class="error-text">{run.answer.error}</p> : run.rendered && <ResultView result={run.rendered} store={store} />}
        </div>
      )}
    </div>
  );
}

function ToolsList(props: { store: DashboardStore; active: boolean; selected?: string; filter: string; values: Record<string, FormValues>; onSelect(name: string): void; onFilter(text: string): void; onValues(name: string, v: FormValues): void; onShowTrace(key: number): void }) {
  const { store } = props;
  const tools = useListing<Tool>(store, 'tools/list', 'tools', props.active);
  const shown = (tools.items ?? []).filter((t) => !props.filter || `${t.name} ${t.title ?? ''} ${t.description ?? ''}`.toLowerCase().includes(props.filter.toLowerCase()));
  const tool = tools.items?.find((t) => t.name === props.selected);
  return (
    <div class="tools-split">
      <div class="tool-list">
        <div class="toolbar">
          <input type="search" placeholder="Filter tools" aria-label="Filter tools" value={props.filter} onInput={(e) => props.onFilter(e.currentTarget.value)} />
          <button type="button" class="icon-button" onClick={() => void tools.load()} title="Refresh" aria-label="Refresh the tools list" disabled={!store.health?.running}>
            <span class={`codicon codicon-${tools.loading ? 'loading codicon-modifier-spin' : 'refresh'}`} aria-hidden="true" />
          </button>
        </div>
        {tools.error && <p class="error-text">{tools.error}</p>}
        {!store.health?.running && <p class="muted">Start the tunnel to list its tools.</p>}
        <ul class="list" role="listbox" aria-label="Tools">
          {shown.map((t) => (
            <li key={t.name} role="option" aria-selected={t.name === props.selected}>
              <button type="button" class={`list-item${t.name === props.selected ? ' selected' : ''}`} onClick={() => props.onSelect(t.name)}>
                <span class="codicon codicon-tools" aria-hidden="true" /> {t.name}
                {t.description && <span class="muted ellipsis"> {t.description}</span>}
              </button>
            </li>
          ))}
        </ul>
      </div>
      <div class="tool-detail">
        {tool ? (
          <ToolForm tool={tool} store={store} values={props.values[tool.name]} onValues={(v) => props.onValues(tool.name, v)} onShowTrace={props.onShowTrace} />
        ) : (
          <p class="muted">{tools.items?.length ? 'Choose a tool.' : tools.loading ? 'Listing tools…' : ''}</p>
        )}
      </div>
    </div>
  );
}

interface Resource {
  uri: string;
  name?: string;
  title?: string;
  description?: string;
  mimeType?: string;
}

function Resources({ store, active }: { store: DashboardStore; active: boolean }) {
  const list = useListing<Resource>(store, 'resources/list', 'resources', active);
  const [open, setOpen] = useState<{ uri: string; answer?: McpAnswer }>();
  return (
    <div class="listing">
      <ListingHeader list={list} store={store} noun="resources" />
      <ul class="list">
        {(list.items ?? []).map((r) => (
          <li key={r.uri} class="list-row">
            <div>
              <strong>{r.title ?? r.name ?? r.uri}</strong> <code>{r.uri}</code> {r.mimeType && <span class="muted">{r.mimeType}</span>}
              {r.description && <div class="muted">{r.description}</div>}
            </div>
            <button
              type="button"
              class="secondary small"
              onClick={async () => {
                setOpen({ uri: r.uri });
                setOpen({ uri: r.uri, answer: await store.request({ method: 'resources/read', uri: r.uri }) });
              }}
            >
              Read
            </button>
            {open?.uri === r.uri && open.answer && (open.answer.error ? <p class="error-text">{open.answer.error}</p> : <ResultView result={resourceResult(open.answer.result)} store={store} />)}
          </li>
        ))}
      </ul>
    </div>
  );
}

interface Prompt {
  name: string;
  title?: string;
  description?: string;
  arguments?: { name: string; description?: string; required?: boolean }[];
}

function PromptItem({ prompt, store }: { prompt: Prompt; store: DashboardStore }) {
  const [values, setValues] = useState<Record<string, string>>({});
  const [missing, setMissing] = useState<string[]>([]);
  const [answer, setAnswer] = useState<McpAnswer>();
  const args = prompt.arguments ?? [];
  return (
    <li class="list-row">
      <div>
        <strong>{prompt.title ?? prompt.name}</strong> {prompt.title && <code>{prompt.name}</code>}
        {prompt.description && <div class="muted">{prompt.description}</div>}
      </div>
      <form
        class="inline-form"
        onSubmit={async (e) => {
          e.preventDefault();
          const lacking = args.filter((a) => a.required && !values[a.name]).map((a) => a.name);
          setMissing(lacking);
          if (lacking.length) return;
          const given = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== ''));
          setAnswer(await store.request({ method: 'prompts/get', name: prompt.name, arguments: given }));
        }}
      >
        {args.map((a) => (
          <label key={a.name} class="field">
            <span>
              {a.name}
              {a.required ? ' *' : ''}
            </span>
            <input type="text" value={values[a.name] ?? ''} aria-required={a.required} aria-invalid={missing.includes(a.name) || undefined} title={a.description} onInput={(e) => setValues({ ...values, [a.name]: e.currentTarget.value })} />
          </label>
        ))}
        <button type="submit" class="secondary small" disabled={!store.health?.running}>
          Get
        </button>
        {missing.length > 0 && <span class="error-text">Required: {missing.join(', ')}</span>}
      </form>
      {answer && (answer.error ? <p class="error-text">{answer.error}</p> : <ResultView result={promptResult(answer.result)} store={store} />)}
    </li>
  );
}

/** Refresh button, item count and any error of a resources or prompts listing. */
function ListingHeader({ list, store, noun }: { list: { items?: unknown[]; error?: string; load(): Promise<void> }; store: DashboardStore; noun: string }) {
  return (
    <>
      <div class="toolbar">
        <button type="button" class="secondary" onClick={() => void list.load()} disabled={!store.health?.running}>
          <span class="codicon codicon-refresh" aria-hidden="true" /> Refresh
        </button>
        <span class="count">{list.items ? `${list.items.length} ${noun}` : ''}</span>
      </div>
      {list.error && <p class="error-text">{list.error}</p>}
    </>
  );
}

function Prompts({ store, active }: { store: DashboardStore; active: boolean }) {
  const list = useListing<Prompt>(store, 'prompts/list', 'prompts', active);
  return (
    <div class="listing">
      <ListingHeader list={list} store={store} noun="prompts" />
      <ul class="list">
        {(list.items ?? []).map((p) => (
          <PromptItem key={p.name} prompt={p} store={store} />
        ))}
      </ul>
    </div>
  );
}

export interface ToolsProps {
  store: DashboardStore;
  view: ToolsView;
  selectedTool?: string;
  toolFilter: string;
  toolValues: Record<string, FormValues>;
  onView(view: ToolsView): void;
  onSelectTool(name: string): void;
  onToolFilter(text: string): void;
  onToolValues(name: string, values: FormValues): void;
  onShowTrace(key: number): void;
}

export function Tools(props: ToolsProps) {
  const views: [ToolsView, string][] = [
    ['tools', 'Tools'],
    ['resources', 'Resources'],
    ['prompts', 'Prompts'],
  ];
  return (
    <div class="tools">
      <div class="segmented" role="radiogroup" aria-label="Show">
        {views.map(([v, label]) => (
          <button key={v} type="button" role="radio" aria-checked={props.view === v} class={props.view === v ? 'on' : ''} onClick={() => props.onView(v)}>
            {label}
          </button>
        ))}
      </div>
      {props.view === 'tools' && (
        <ToolsList
          store={props.store}
          active
          selected={props.selectedTool}
          filter={props.toolFilter}
          values={props.toolValues}
          onSelect={props.onSelectTool}
          onFilter={props.onToolFilter}
          onValues={props.onToolValues}
          onShowTrace={props.onShowTrace}
        />
      )}
      {props.view === 'resources' && <Resources store={props.store} active />}
      {props.view === 'prompts' && <Prompts store={props.store} active />}
    </div>
  );
}
