/**
 * OAuth through the front door (RFC 9728 protected-resource metadata): the
 * front door is the resource an MCP client sees, so the metadata it serves
 * and the challenges it relays name the front door, never the private server.
 *
 * - A `WWW-Authenticate` challenge from the MCP server keeps its scheme and
 *   every parameter except `resource_metadata`, which points at the front
 *   door's own metadata URL.
 * - The metadata document from the MCP server (fetched by the tunnel client
 *   inside the network, an `oauth_discovery` command) keeps every field
 *   except `resource`, which becomes the front-door MCP URL the client called:
 *   OAuth clients check `resource` against the URL they connect to.
 * - `authorization_servers` is left alone: the client talks to the
 *   authorization server directly.
 */

/** RFC 9728 §3: the well-known URI suffix of protected-resource metadata. */
export const PROTECTED_RESOURCE_WELL_KNOWN = '/.well-known/oauth-protected-resource';

/**
 * RFC 9728 §3.1: the metadata URL of a resource, the well-known suffix put
 * between its host and its path (`http://h/v1/mcp/x` → `http://h/.well-known/oauth-protected-resource/v1/mcp/x`).
 */
export function protectedResourceMetadataUrl(origin: string, resourcePath: string): string {
  return `${origin}${PROTECTED_RESOURCE_WELL_KNOWN}${resourcePath === '/' ? '' : resourcePath}`;
}

const NAME = 'resource_metadata';
const PARAM = /^resource_metadata[ \t]*=/i;

/**
 * `header` with the value of every `resource_metadata` auth-param replaced by
 * `metadataUrl` (quoted); everything else, byte for byte, as it was. Quoted
 * strings are skipped, so a parameter named inside another one's value (an
 * `error_description`, say) is not touched.
 */
export function rewriteResourceMetadata(header: string, metadataUrl: string): string {
  let out = '';
  let i = 0;
  // True where a parameter name may start: the beginning, or after a space or a comma.
  let boundary = true;
  while (i < header.length) {
    const c = header[i];
    if (c === '"') {
      const end = quotedEnd(header, i);
      out += header.slice(i, end);
      i = end;
      boundary = false;
      continue;
    }
    if (boundary && PARAM.test(header.slice(i, i + 40))) {
      const eq = header.indexOf('=', i);
      let j = eq + 1;
      while (header[j] === ' ' || header[j] === '\t') j++;
      const valueEnd = header[j] === '"' ? quotedEnd(header, j) : tokenEnd(header, j);
      out += `${header.slice(i, i + NAME.length)}="${metadataUrl.replace(/["\\]/g, '\\$&')}"`;
      i = valueEnd;
      boundary = false;
      continue;
    }
    out += c;
    boundary = c === ' ' || c === '\t' || c === ',';
    i++;
  }
  return out;
}

/** Index just past the quoted string that opens at `start` (or the end of the text when it never closes). */
function quotedEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    if (text[i] === '\\') i += 2;
    else if (text[i] === '"') return i + 1;
    else i++;
  }
  return text.length;
}

function tokenEnd(text: string, start: number): number {
  let i = start;
  while (i < text.length && text[i] !== ',' && text[i] !== ' ' && text[i] !== '\t') i++;
  return i;
}

/** The MCP server's metadata document as the front door serves it: `resource` is the front-door URL. */
export function frontDoorMetadata(document: Record<string, unknown>, resource: string): Record<string, unknown> {
  return { ...document, resource };
}
