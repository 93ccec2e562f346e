/**
 * Harpoon's three tools: their schemas, argument checks and answers. Errors
 * are tool results (`isError: true`) whose text is `label NAME: what went
 * wrong`, so an agent sees why and can fix its call.
 */
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import {
  HARPOON_DEFAULT_TIMEOUT_MS,
  HARPOON_LABEL_PATTERN,
  HARPOON_MAX_TIMEOUT_MS,
  HARPOON_MIN_TIMEOUT_MS,
  type HarpoonConfig,
} from './config';
import { ALLOWED_METHODS, HarpoonRefusal, type HarpoonCaller } from './caller';
import type { HarpoonHistory } from './history';
import type { HarpoonMetrics } from './metrics';
import type { HarpoonRegistry, HarpoonTarget } from './registry';
import { rewriteHeaders, rewriteJsonBody } from './rewrite';

export const HARPOON_INSTRUCTIONS =
  'Harpoon provides a constrained outbound HTTP client. Use list_targets to see allowlisted targets and call_target to make GET/POST/PUT requests with strict size, timeout, and redirect limits. get_oauth_target_audience is a narrow opt-in lookup for OAuth token-endpoint private_key_jwt audiences. Harpoon cannot reach arbitrary hosts or paths outside the configured allowlist.';

const LABEL_SCHEMA = { type: 'string', minLength: 1, maxLength: 64, pattern: HARPOON_LABEL_PATTERN.source };
const HEADER_NAME_PATTERN = "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$";

export function harpoonTools(config: HarpoonConfig): Tool[] {
  return [
    {
      name: 'list_targets',
      title: 'List Harpoon targets',
      description: 'List available Harpoon targets by label.',
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
      inputSchema: {
        type: 'object',
        title: 'List Harpoon targets',
        description: 'List available allowlisted targets.',
        properties: {
          categories: { type: 'array', items: { type: 'string' }, description: 'Target categories to include.' },
          sources: { type: 'array', items: { type: 'string' }, description: 'Target sources to include.' },
          tags: { type: 'array', items: { type: 'string' }, description: 'Target tags to include (all tags must match).' },
        },
        additionalProperties: false,
      },
      outputSchema: {
        type: 'object',
        title: 'Harpoon target list',
        description: 'Allowlisted targets available to call_target.',
        properties: {
          targets: {
            type: 'array',
            description: 'Allowlisted targets.',
            items: {
              type: 'object',
              properties: {
                label: { ...LABEL_SCHEMA, description: 'Target label.' },
                description: { type: 'string', description: 'Target description.' },
                category: { type: 'string', description: 'Target category.' },
                source: { type: 'string', description: 'Target source.' },
                tags: { type: 'array', items: { type: 'string' }, description: 'Target tags.' },
                allowed_methods: { type: 'array', items: { type: 'string', enum: [...ALLOWED_METHODS] }, description: 'HTTP methods permitted for this target' },
              },
              required: ['label', 'allowed_methods'],
              additionalProperties: false,
            },
          },
        },
        required: ['targets'],
        additionalProperties: false,
      },
    },
    {
      name: 'call_target',
      title: 'Call Harpoon target',
      description: 'Call an allowlisted HTTP target by label.',
      annotations: { openWorldHint: true },
      inputSchema: {
        type: 'object',
        title: 'Call Harpoon target',
        description: 'Call an allowlisted HTTP target by label.',
        properties: {
          label: { ...LABEL_SCHEMA, description: 'Allowlisted target label' },
          method: { type: 'string', enum: [...ALLOWED_METHODS], description: 'HTTP method for the outbound request' },
          path: {
            type: 'string',
            description: "Path (and query) below the target's URL, e.g. users/42?verbose=1; omitted: the target URL itself. It cannot leave the target's prefix.",
          },
          headers: {
            type: 'object',
            additionalProperties: { type: 'string' },
            propertyNames: { type: 'string', pattern: HEADER_NAME_PATTERN },
            default: {},
            description:
              "HTTP headers to include in the request; hop-by-hop, proxy forwarding and client-managed identity headers, fields nominated by Connection, and any header carrying the tunnel's key are refused",
          },
          body: { type: 'string', description: 'Request body as a raw string' },
          timeout_ms: { type: 'integer', minimum: HARPOON_MIN_TIMEOUT_MS, maximum: HARPOON_MAX_TIMEOUT_MS, default: HARPOON_DEFAULT_TIMEOUT_MS, description: 'Request timeout in milliseconds' },
          max_response_bytes: { type: 'integer', minimum: 1, maximum: config.maxResponseBytes, default: config.maxResponseBytes, description: 'Maximum response bytes to read' },
          follow_redirects: { type: 'boolean', default: true, description: 'Whether to follow HTTP redirects' },
          max_redirects: { type: 'integer', minimum: 0, maximum: config.maxRedirects, default: config.maxRedirects, description: 'Maximum redirects to follow when follow_redirects is true' },
        },
        required: ['label', 'method'],
        additionalProperties: false,
      },
      outputSchema: {
        type: 'object',
        title: 'Harpoon call result',
        description: 'Response details from the target.',
        properties: {
          status_code: { type: 'integer', minimum: 100, maximum: 599, description: 'HTTP status code returned by the target.' },
          headers: {
            type: 'object',
            additionalProperties: { type: 'array', items: { type: 'string' } },
            propertyNames: { type: 'string', pattern: HEADER_NAME_PATTERN },
            description: 'Response headers returned by the target.',
          },
          body_base64: { type: 'string', contentEncoding: 'base64', description: 'Base64-encoded response body bytes.' },
          body_size_bytes: { type: 'integer', minimum: 0, maximum: config.maxResponseBytes, description: 'Number of bytes in body_base64.' },
          truncated: { type: 'boolean', description: 'Whether the response body was truncated.' },
        },
        required: ['status_code', 'body_size_bytes'],
        additionalProperties: false,
      },
    },
    {
      name: 'get_oauth_target_audience',
      title: 'Get OAuth target audience',
      description: 'Resolve the exact private_key_jwt audience for an OAuth token endpoint target.',
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
      inputSchema: {
        type: 'object',
        title: 'Get OAuth target audience',
        description: 'Resolve the exact upstream URL for an allowlisted OAuth token endpoint.',
        properties: { label: { ...LABEL_SCHEMA, description: 'OAuth token-endpoint target label.' } },
        required: ['label'],
        additionalProperties: false,
      },
      outputSchema: {
        type: 'object',
        title: 'OAuth target audience',
        description: 'Exact private_key_jwt audience for an allowlisted OAuth token endpoint.',
        properties: { audience: { type: 'string', format: 'uri', description: 'Exact upstream OAuth token endpoint URL to use as a private_key_jwt audience.' } },
        required: ['audience'],
        additionalProperties: false,
      },
    },
  ];
}

export function toolError(label: string, message: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text: `label ${label || 'unknown'}: ${message}` }] };
}

function structured(value: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(value) }], structuredContent: value };
}

type Args = Record<string, unknown>;

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string').map((s) => s.trim().toLowerCase()).filter((s) => s !== '') : [];
}

export function listTargets(registry: HarpoonRegistry, args: Args): CallToolResult {
  const categories = strings(args.categories);
  const sources = strings(args.sources);
  const tags = strings(args.tags);
  const targets = registry
    .list()
    .filter((t) => (categories.length === 0 || categories.includes(t.category)) && (sources.length === 0 || sources.includes(t.source)) && tags.every((tag) => t.tags.includes(tag)))
    .map((t) => {
      const info: Record<string, unknown> = { label: t.label };
      if (t.description) info.description = t.description;
      info.category = t.category;
      info.source = t.source;
      if (t.tags.length > 0) info.tags = t.tags;
      info.allowed_methods = [...ALLOWED_METHODS];
      return info;
    });
  return structured({ targets });
}

export function oauthTargetAudience(registry: HarpoonRegistry, args: Args): CallToolResult {
  const label = typeof args.label === 'string' ? args.label.trim() : '';
  if (label === '') return toolError('', 'label is required');
  const target = registry.get(label);
  if (!target) return toolError(label, 'unknown target');
  if (target.category !== 'oauth' || !target.tags.includes('auth-server-metadata') || !target.tags.includes('token-endpoint')) {
    return toolError(label, 'target is not an OAuth token endpoint');
  }
  let url: URL;
  try {
    url = new URL(target.exactUrl);
  } catch {
    return toolError(label, 'target has no URL');
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.host === '' || url.username !== '' || url.password !== '' || url.hash !== '') {
    return toolError(label, 'target URL cannot be used as an OAuth audience');
  }
  return structured({ audience: target.exactUrl });
}

function optionalInt(args: Args, key: string): number | undefined | 'invalid' {
  const v = args[key];
  if (v === undefined || v === null) return undefined;
  return typeof v === 'number' && Number.isInteger(v) ? v : 'invalid';
}

export interface CallContext {
  config: HarpoonConfig;
  registry: HarpoonRegistry;
  caller: HarpoonCaller;
  metrics: HarpoonMetrics;
  history: HarpoonHistory;
}

export async function callTarget(ctx: CallContext, args: Args, signal: AbortSignal): Promise<CallToolResult> {
  const started = performance.now();
  const label = typeof args.label === 'string' ? args.label.trim() : '';
  const target = label === '' ? undefined : ctx.registry.get(label);
  const metricLabel = target ? label : '__unknown__';
  const refuse = (message: string, outcome = 'invalid_input', status = 0, bytes = 0): CallToolResult => {
    ctx.metrics.record(metricLabel, status, outcome, bytes, performance.now() - started);
    ctx.history.record({ label: label || 'unknown', method: String(args.method ?? ''), status, error: message, latencyMs: performance.now() - started, requestBytes: 0, responseBytes: bytes, requestBody: typeof args.body === 'string' ? args.body : undefined });
    return toolError(label, message);
  };
  if (label === '') return refuse('label is required');
  if (!target) return refuse('unknown target');
  const method = typeof args.method === 'string' ? args.method.trim().toUpperCase() : '';
  if (!(ALLOWED_METHODS as readonly string[]).includes(method)) return refuse('invalid method');
  if (args.path !== undefined && typeof args.path !== 'string') return refuse('invalid parameters: path must be a string');
  if (args.body !== undefined && typeof args.body !== 'string') return refuse('invalid parameters: body must be a string');
  const headers = args.headers ?? {};
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers) || Object.values(headers).some((v) => typeof v !== 'string')) {
    return refuse('invalid parameters: headers must map names to strings');
  }
  const timeout = optionalInt(args, 'timeout_ms');
  if (timeout === 'invalid') return refuse('invalid parameters: timeout_ms must be a whole number');
  if (timeout !== undefined && timeout <= 0) return refuse('timeout must be positive');
  if (timeout !== undefined && timeout < HARPOON_MIN_TIMEOUT_MS) return refuse(`timeout must be at least ${HARPOON_MIN_TIMEOUT_MS}ms`);
  if (timeout !== undefined && timeout > HARPOON_MAX_TIMEOUT_MS) return refuse(`timeout must be at most ${HARPOON_MAX_TIMEOUT_MS}ms`);
  const maxBytes = optionalInt(args, 'max_response_bytes');
  if (maxBytes === 'invalid') return refuse('invalid parameters: max_response_bytes must be a whole number');
  if (maxBytes !== undefined && maxBytes <= 0) return refuse('max_response_bytes must be positive');
  if (maxBytes !== undefined && maxBytes > ctx.config.maxResponseBytes) return refuse(`max_response_bytes must be less than or equal to ${ctx.config.maxResponseBytes}`);
  const follow = args.follow_redirects === undefined ? true : args.follow_redirects;
  if (typeof follow !== 'boolean') return refuse('invalid parameters: follow_redirects must be true or false');
  const maxRedirects = optionalInt(args, 'max_redirects');
  if (maxRedirects === 'invalid') return refuse('invalid parameters: max_redirects must be a whole number');
  if (follow && maxRedirects !== undefined && maxRedirects < 0) return refuse('max_redirects must be non-negative');
  if (follow && maxRedirects !== undefined && maxRedirects > ctx.config.maxRedirects) return refuse(`max_redirects must be less than or equal to ${ctx.config.maxRedirects}`);
  const limit = maxBytes ?? ctx.config.maxResponseBytes;
  const body = typeof args.body === 'string' ? args.body : undefined;
  const requestBytes = body === undefined ? 0 : Buffer.byteLength(body);
  if (requestBytes > limit) return refuse('request body exceeds size limit');

  try {
    const result = await ctx.caller.call(
      target,
      {
        method,
        path: args.path as string | undefined,
        headers: headers as Record<string, string>,
        body,
        timeoutMs: timeout ?? HARPOON_DEFAULT_TIMEOUT_MS,
        maxResponseBytes: limit,
        followRedirects: follow,
        maxRedirects: maxRedirects ?? ctx.config.maxRedirects,
      },
      signal,
    );
    const latency = performance.now() - started;
    ctx.metrics.record(label, result.status, 'success', result.body.length, latency);
    const transformed = rewriteJsonBody(result.body, ctx.registry.list());
    ctx.history.record({ label, method, url: result.url, status: result.status, latencyMs: latency, requestBytes, responseBytes: result.body.length, requestBody: body, responseBody: result.body, contentType: result.headers['content-type']?.[0] });
    return structured({
      status_code: result.status,
      headers: rewriteHeaders(result.headers, ctx.registry.list()),
      body_base64: (transformed ?? result.body).toString('base64'),
      body_size_bytes: result.body.length,
      truncated: false,
    });
  } catch (err) {
    if (err instanceof HarpoonRefusal) return refuse(err.message, err.outcome, err.status, err.bytes);
    if (signal.aborted) throw err;
    return refuse('request failed', 'request_error');
  }
}

export type { HarpoonTarget };
