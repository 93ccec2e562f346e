/**
 * "Copy as curl": a captured request replayed against the loopback relay's
 * MCP front door. Built in the extension host, never in the webview, because
 * the text carries the front-door token.
 */

/** Quotes `value` for a POSIX shell. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export interface CurlRequest {
  /** The front door's MCP URL (http://127.0.0.1:PORT/v1/mcp/ID). */
  url: string;
  /** The front-door bearer token, when the relay asks for one. */
  token?: string;
  sessionId?: string;
  protocolVersion?: string;
  /** The JSON-RPC message to send. */
  message: unknown;
}

export function buildCurl(request: CurlRequest): string {
  const lines = [
    `curl -sS -N -X POST ${shellQuote(request.url)}`,
    `-H ${shellQuote('Content-Type: application/json')}`,
    `-H ${shellQuote('Accept: application/json, text/event-stream')}`,
  ];
  if (request.token) lines.push(`-H ${shellQuote(`Authorization: Bearer ${request.token}`)}`);
  if (request.sessionId) lines.push(`-H ${shellQuote(`Mcp-Session-Id: ${request.sessionId}`)}`);
  if (request.protocolVersion) lines.push(`-H ${shellQuote(`Mcp-Protocol-Version: ${request.protocolVersion}`)}`);
  lines.push(`--data-raw ${shellQuote(JSON.stringify(request.message))}`);
  return lines.join(' \\\n  ');
}
