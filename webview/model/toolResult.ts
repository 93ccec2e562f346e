/**
 * MCP results (tools/call, resources/read, prompts/get) as parts the UI can
 * draw: text, images and audio as data: URIs (the only non-bundled source the
 * panel's CSP allows), resource links, embedded resources and JSON.
 */
import { isObject } from '../../src/protocol/jsonrpc';

export type ResultPart =
  | { kind: 'text'; text: string }
  /** A prompt message's role. */
  | { kind: 'heading'; text: string }
  | { kind: 'image'; src: string; mimeType: string }
  | { kind: 'audio'; src: string; mimeType: string }
  | { kind: 'link'; uri: string; name?: string; description?: string; mimeType?: string }
  | { kind: 'resource'; uri: string; mimeType?: string; text?: string; blobBytes?: number; src?: string }
  | { kind: 'json'; label: string; value: unknown };

export interface RenderedResult {
  isError: boolean;
  parts: ResultPart[];
}

type Obj = Record<string, unknown>;


const MEDIA_TYPE = /^[a-z]+\/[a-z0-9.+-]+$/i;
const BASE64 = /^[A-Za-z0-9+/\r\n]*={0,2}$/;

/** A data: URI for base64 `data` of `mimeType` in `family` (image, audio), or undefined when either looks wrong. */
export function dataUri(mimeType: unknown, data: unknown, family: 'image' | 'audio'): string | undefined {
  if (typeof mimeType !== 'string' || typeof data !== 'string' || !MEDIA_TYPE.test(mimeType) || !mimeType.toLowerCase().startsWith(`${family}/`)) return undefined;
  if (!BASE64.test(data)) return undefined;
  return `data:${mimeType.toLowerCase()};base64,${data.replace(/[\r\n]/g, '')}`;
}

function base64Bytes(data: string): number {
  const clean = data.replace(/[\r\n=]/g, '');
  return Math.floor((clean.length * 3) / 4);
}

function resourcePart(r: Obj): ResultPart {
  const part: Extract<ResultPart, { kind: 'resource' }> = { kind: 'resource', uri: typeof r.uri === 'string' ? r.uri : '(no uri)' };
  if (typeof r.mimeType === 'string') part.mimeType = r.mimeType;
  if (typeof r.text === 'string') part.text = r.text;
  if (typeof r.blob === 'string') {
    part.blobBytes = base64Bytes(r.blob);
    part.src = dataUri(r.mimeType, r.blob, 'image');
  }
  return part;
}

/** One content block of a tool result or a prompt message. */
export function contentPart(block: unknown): ResultPart {
  if (!isObject(block)) return { kind: 'json', label: 'content', value: block };
  switch (block.type) {
    case 'text':
      return typeof block.text === 'string' ? { kind: 'text', text: block.text } : { kind: 'json', label: 'text', value: block };
    case 'image':
    case 'audio': {
      const src = dataUri(block.mimeType, block.data, block.type);
      return src ? { kind: block.type, src, mimeType: String(block.mimeType) } : { kind: 'json', label: `${block.type} (not shown: unexpected data)`, value: { ...block, data: '…' } };
    }
    case 'resource_link': {
      const part: Extract<ResultPart, { kind: 'link' }> = { kind: 'link', uri: typeof block.uri === 'string' ? block.uri : '' };
      if (typeof block.name === 'string') part.name = block.name;
      if (typeof block.description === 'string') part.description = block.description;
      if (typeof block.mimeType === 'string') part.mimeType = block.mimeType;
      return part;
    }
    case 'resource':
      return isObject(block.resource) ? resourcePart(block.resource) : { kind: 'json', label: 'resource', value: block };
    default:
      return { kind: 'json', label: typeof block.type === 'string' ? block.type : 'content', value: block };
  }
}

/** A tools/call result: its content blocks, then its structured content. */
export function toolResult(result: unknown): RenderedResult {
  if (!isObject(result)) return { isError: false, parts: [{ kind: 'json', label: 'result', value: result }] };
  const parts = Array.isArray(result.content) ? result.content.map(contentPart) : [];
  if (result.structuredContent !== undefined) parts.push({ kind: 'json', label: 'structured content', value: result.structuredContent });
  if (!parts.length) parts.push({ kind: 'json', label: 'result', value: result });
  return { isError: result.isError === true, parts };
}

/** A resources/read result: one part per content. */
export function resourceResult(result: unknown): RenderedResult {
  const contents = isObject(result) && Array.isArray(result.contents) ? result.contents : undefined;
  if (!contents) return { isError: false, parts: [{ kind: 'json', label: 'result', value: result }] };
  return { isError: false, parts: contents.map((c) => (isObject(c) ? resourcePart(c) : { kind: 'json', label: 'content', value: c })) };
}

/** A prompts/get result: each message's role, then its content. */
export function promptResult(result: unknown): RenderedResult {
  const messages = isObject(result) && Array.isArray(result.messages) ? result.messages : undefined;
  if (!messages) return { isError: false, parts: [{ kind: 'json', label: 'result', value: result }] };
  const parts: ResultPart[] = [];
  if (isObject(result) && typeof result.description === 'string') parts.push({ kind: 'text', text: result.description });
  for (const m of messages) {
    if (!isObject(m)) continue;
    parts.push({ kind: 'heading', text: typeof m.role === 'string' ? m.role : 'message' });
    parts.push(contentPart(m.content));
  }
  return { isError: false, parts };
}
