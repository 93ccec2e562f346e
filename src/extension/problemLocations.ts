/**
 * Where a profile problem sits in a settings file: the field a problem names
 * (`mcp.servers[0].url`) found in the JSON text, or the nearest part of it
 * that is there. Free of the editor API, for the settings diagnostics and
 * their unit test.
 */
// The ESM build: esbuild cannot follow the requires inside jsonc-parser's UMD main.
import { findNodeAtLocation, parseTree, type Node } from 'jsonc-parser/lib/esm/main.js';

/** `mcp.servers[0].url` → ['mcp', 'servers', 0, 'url']. */
export function fieldPath(field: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const part of field.split('.')) {
    const m = /^([^[]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) {
      out.push(part);
      continue;
    }
    if (m[1]) out.push(m[1]);
    for (const index of m[2]!.matchAll(/\[(\d+)\]/g)) out.push(Number(index[1]));
  }
  return out;
}

export interface TextSpan {
  offset: number;
  length: number;
}

/**
 * The span of the `index`-th profile's `field` in settings text whose
 * profiles are at `root` (['mcpTunnel.profiles'], or ['settings',
 * 'mcpTunnel.profiles'] in a .code-workspace file): the property's key when
 * it is there, else its closest parent's; undefined when the profile is not.
 */
export function locateProblem(text: string, root: (string | number)[], index: number, field: string | undefined): TextSpan | undefined {
  const tree = parseTree(text, undefined, { allowTrailingComma: true, disallowComments: false });
  if (!tree) return undefined;
  const profile = findNodeAtLocation(tree, [...root, index]);
  if (!profile) return undefined;
  const path = field ? fieldPath(field) : [];
  for (let depth = path.length; depth > 0; depth--) {
    const node = findNodeAtLocation(profile, path.slice(0, depth));
    if (node) return keySpan(node);
  }
  return { offset: profile.offset, length: 1 };
}

/** A property value's key (what a reader looks at), or the node itself inside an array. */
function keySpan(node: Node): TextSpan {
  const key = node.parent?.type === 'property' ? node.parent.children?.[0] : undefined;
  const target = key ?? node;
  return { offset: target.offset, length: target.length };
}
