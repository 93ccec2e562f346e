/**
 * Our entry in a workspace's `.vscode/mcp.json`: the loopback front door as
 * an HTTP server whose bearer token is an `${input:…}` password prompt, so
 * the file never holds the token. Edits go through jsonc-parser's `modify`,
 * which changes only the property it is given: the user's comments, layout
 * and other servers and inputs stay as they were.
 */
import { applyEdits, findNodeAtLocation, format, modify, parse, parseTree, printParseErrorCode, type FormattingOptions, type Node, type ParseError } from 'jsonc-parser/lib/esm/main.js';

export interface McpJsonEntry {
  /** The key under `servers`. */
  name: string;
  url: string;
  /** The id of the password prompt (`inputs[].id`) the Authorization header names. */
  inputId: string;
  /** What VS Code shows when it prompts for the token. */
  description: string;
}

interface McpJsonDocument {
  servers?: Record<string, unknown>;
  inputs?: unknown[];
}

/** The server entry and the input as they are written. */
export function mcpJsonServer(entry: McpJsonEntry): { server: Record<string, unknown>; input: Record<string, unknown> } {
  return {
    server: { type: 'http', url: entry.url, headers: { Authorization: `Bearer \${input:${entry.inputId}}` } },
    input: { type: 'promptString', id: entry.inputId, description: entry.description, password: true },
  };
}

/** Reads `text` as JSON with comments; throws with the position of the first syntax error. */
function read(text: string): McpJsonDocument {
  const errors: ParseError[] = [];
  const value = parse(text, errors, { allowTrailingComma: true, disallowComments: false }) as unknown;
  if (errors.length) {
    const first = errors[0]!;
    const line = text.slice(0, first.offset).split('\n').length;
    throw new Error(`.vscode/mcp.json is not valid JSON (line ${line}: ${printParseErrorCode(first.error)}); fix it first`);
  }
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('.vscode/mcp.json is not a JSON object; fix it first');
  const doc = value as McpJsonDocument;
  if (doc.servers !== undefined && (typeof doc.servers !== 'object' || doc.servers === null || Array.isArray(doc.servers))) throw new Error('"servers" in .vscode/mcp.json is not an object');
  if (doc.inputs !== undefined && !Array.isArray(doc.inputs)) throw new Error('"inputs" in .vscode/mcp.json is not an array');
  return doc;
}

/** The file's indentation (the first indented line's), so our lines look like the user's. */
function formatting(text: string): FormattingOptions {
  const indent = /^([ \t]+)\S/m.exec(text)?.[1];
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  if (indent?.startsWith('\t')) return { insertSpaces: false, tabSize: 4, eol };
  return { insertSpaces: true, tabSize: indent ? indent.length : 2, eol };
}

/**
 * One change through `modify`, then only the inserted text laid out (`modify`'s
 * own formatting would re-indent the user's neighbouring lines too); a value
 * put into an empty object or array is laid out with its brackets.
 */
function insert(text: string, path: (string | number)[], value: unknown, extra: { isArrayInsertion?: boolean } = {}): string {
  const options = formatting(text);
  const [change] = modify(text, path, value, extra);
  if (!change) return text;
  const out = applyEdits(text, [change]);
  // The innermost node the change went into: laid out whole when the change is all it holds.
  const inside = (n: Node) => n.offset >= change.offset && n.offset + n.length <= change.offset + change.content.length;
  let holder = findNodeAtLocation(parseTree(out)!, path);
  while (holder && inside(holder)) holder = holder.parent;
  const range =
    holder && (holder.type === 'object' || holder.type === 'array') && holder.children?.length === 1
      ? { offset: holder.offset, length: holder.length }
      : { offset: change.offset, length: change.content.length };
  return applyEdits(out, format(out, range, options));
}

/**
 * Takes out one member of an object or array with the separator our insert
 * added before it, so removing what was added gives back the text as it was.
 */
function remove(text: string, path: (string | number)[]): string {
  const node = findNodeAtLocation(parseTree(text)!, path);
  if (!node) return text;
  const member: Node = node.parent?.type === 'property' ? node.parent : node;
  const siblings = member.parent?.children ?? [];
  const at = siblings.indexOf(member);
  const end = member.offset + member.length;
  if (at > 0) {
    const previous = siblings[at - 1]!;
    return text.slice(0, previous.offset + previous.length) + text.slice(end);
  }
  if (siblings.length > 1) return text.slice(0, member.offset) + text.slice(siblings[1]!.offset);
  // The only member: the brackets keep what follows it (a comment), or close up when nothing does.
  const container = member.parent!;
  const close = container.offset + container.length - 1;
  const rest = text.slice(end, close);
  return text.slice(0, container.offset + 1) + (rest.trim() ? rest : '') + text.slice(close);
}

function inputIndex(doc: McpJsonDocument, id: string): number {
  return (doc.inputs ?? []).findIndex((i) => typeof i === 'object' && i !== null && (i as { id?: unknown }).id === id);
}

/** `text` (empty for a new file) with our server and its input added, or replaced when present; the same text when they are already as wanted. */
export function addToMcpJson(text: string, entry: McpJsonEntry): string {
  const { server, input } = mcpJsonServer(entry);
  if (text.trim() === '') return JSON.stringify({ servers: { [entry.name]: server }, inputs: [input] }, null, 2) + '\n';
  let out = text;
  let doc = read(out);
  if (JSON.stringify(doc.servers?.[entry.name]) !== JSON.stringify(server)) out = insert(out, ['servers', entry.name], server);
  doc = read(out);
  const at = inputIndex(doc, entry.inputId);
  if (at < 0) out = insert(out, ['inputs', (doc.inputs ?? []).length], input, { isArrayInsertion: true });
  else if (JSON.stringify(doc.inputs![at]) !== JSON.stringify(input)) out = insert(out, ['inputs', at], input);
  return out;
}

/**
 * `text` without our server and our input, and without `servers` or `inputs`
 * when ours was all they held (as before an add into a file without them);
 * every other part untouched.
 */
export function removeFromMcpJson(text: string, name: string, inputId: string): string {
  let out = text;
  let doc = read(out);
  if (doc.servers && Object.prototype.hasOwnProperty.call(doc.servers, name)) {
    out = remove(out, Object.keys(doc.servers).length === 1 ? ['servers'] : ['servers', name]);
  }
  doc = read(out);
  const at = inputIndex(doc, inputId);
  if (at >= 0) out = remove(out, doc.inputs!.length === 1 ? ['inputs'] : ['inputs', at]);
  return out;
}

/** Whether `text` holds our server entry. */
export function hasMcpJsonServer(text: string, name: string): boolean {
  try {
    const servers = read(text).servers;
    return !!servers && Object.prototype.hasOwnProperty.call(servers, name);
  } catch {
    return false;
  }
}
