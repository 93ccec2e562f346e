/**
 * Summarises a V8 .cpuprofile (node --cpu-prof): the top functions by self
 * time with their bundle file:line, mapped back to the TypeScript source (or
 * the node_modules package) through dist/*.map, plus self time by module.
 *
 *   tsx bench/profile-summary.ts /tmp/prof/CPU.….cpuprofile [--top 25] [--callers writev [--depth 8]]…
 */
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { basename, dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const ROOT = resolve(__dirname, '..');

export interface FunctionRow {
  name: string;
  /** Bundle or node-internal location (1-based line). */
  location: string;
  /** Original source location via the source map, when there is one. */
  source?: string;
  /** Module the time belongs to: a src/ file, a node_modules package, node internals or a V8 pseudo-frame. */
  module: string;
  selfMs: number;
  totalMs: number;
}

const maps = new Map<string, SourceMap | null>();
function sourceMapFor(url: string): SourceMap | null {
  if (maps.has(url)) return maps.get(url)!;
  let map: SourceMap | null = null;
  try {
    const file = url.startsWith('file://') ? fileURLToPath(url) : url;
    const mapFile = `${file}.map`;
    if (file.endsWith('.js') && existsSync(mapFile)) map = new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8')));
  } catch {
    map = null;
  }
  maps.set(url, map);
  return map;
}

function displayPath(url: string): string {
  if (!url) return '';
  const file = url.startsWith('file://') ? fileURLToPath(url) : url;
  if (!file.startsWith('/')) return file;
  const rel = relative(ROOT, file);
  return rel.startsWith('..') ? basename(file) : rel || file;
}

/**
 * A source-map source as a repository path (src/…, node_modules/…), also when
 * the bundle was profiled from a snapshot copy outside the repository.
 */
function originalPath(bundleUrl: string, source: string): string {
  const m = /(?:^|\/)((?:src|node_modules|test)\/.*)$/.exec(source.replace(/^(\.\.\/)+/, ''));
  if (m) return m[1];
  return relative(ROOT, resolve(dirname(bundleUrl.startsWith('file://') ? fileURLToPath(bundleUrl) : bundleUrl), source));
}

function moduleOf(path: string, url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)';
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const nm = path.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = path.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (path.startsWith('src/')) return path;
  return path || url;
}

/** Self and total (inclusive, recursion counted once) time per function, sorted by self time. */
export function analyse(profile: CpuProfile): { rows: FunctionRow[]; totalMs: number; samples: number } {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  // timeDeltas[i] is the time since the previous sample; charge sample i with the interval that follows it.
  const n = profile.samples.length;
  const avg = n > 1 ? (profile.timeDeltas.slice(1).reduce((a, b) => a + b, 0) / (n - 1)) : 0;
  const selfUs = new Map<number, number>();
  const stackUs = new Map<string, number>();
  const keyOfNode = new Map<number, string>();
  const rows = new Map<string, FunctionRow>();

  const keyOf = (id: number): string => {
    let key = keyOfNode.get(id);
    if (key !== undefined) return key;
    const f = byId.get(id)!.callFrame;
    key = `${f.functionName}|${f.url}|${f.lineNumber}|${f.columnNumber}`;
    keyOfNode.set(id, key);
    if (!rows.has(key)) {
      const path = displayPath(f.url);
      let source: string | undefined;
      let module = moduleOf(path, f.url, f.functionName || '(anonymous)');
      const map = f.url ? sourceMapFor(f.url) : null;
      if (map && f.lineNumber >= 0) {
        const entry = map.findEntry(f.lineNumber, f.columnNumber) as { originalSource?: string; originalLine?: number };
        if (entry?.originalSource) {
          const original = originalPath(f.url, entry.originalSource);
          source = `${original}:${(entry.originalLine ?? 0) + 1}`;
          module = moduleOf(original, 'file://' + original, '');
        }
      }
      rows.set(key, {
        name: f.functionName || '(anonymous)',
        location: f.url ? `${path || basename(f.url)}:${f.lineNumber + 1}` : '',
        source,
        module,
        selfMs: 0,
        totalMs: 0,
      });
    }
    return key;
  };

  for (let i = 0; i < n; i++) {
    const id = profile.samples[i];
    const dt = i + 1 < n ? profile.timeDeltas[i + 1] : avg;
    selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
    // Inclusive time: every distinct function on this sample's stack.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const key = keyOf(cur);
      if (seen.has(key)) continue;
      seen.add(key);
      stackUs.set(key, (stackUs.get(key) ?? 0) + dt);
    }
  }
  for (const [id, us] of selfUs) rows.get(keyOf(id))!.selfMs += us / 1000;
  for (const [key, us] of stackUs) rows.get(key)!.totalMs = us / 1000;
  const totalMs = [...selfUs.values()].reduce((a, b) => a + b, 0) / 1000;
  return { rows: [...rows.values()].filter((r) => r.name !== '(root)').sort((a, b) => b.selfMs - a.selfMs), totalMs, samples: n };
}

/**
 * Bottom-up view of one function: where its self time comes from, as the
 * nearest `depth` callers (bundle functions mapped to their source lines).
 */
export function callers(profile: CpuProfile, name: string, depth = 4, top = 12): string {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const label = (id: number): string => {
    const f = byId.get(id)!.callFrame;
    const map = f.url ? sourceMapFor(f.url) : null;
    let where = f.url ? `${displayPath(f.url)}:${f.lineNumber + 1}` : '';
    if (map && f.lineNumber >= 0) {
      const entry = map.findEntry(f.lineNumber, f.columnNumber) as { originalSource?: string; originalLine?: number };
      if (entry?.originalSource) where = `${originalPath(f.url, entry.originalSource)}:${(entry.originalLine ?? 0) + 1}`;
    }
    return `${f.functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
  };
  const n = profile.samples.length;
  const chains = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < n; i++) {
    const id = profile.samples[i];
    if ((byId.get(id)!.callFrame.functionName || '(anonymous)') !== name) continue;
    const dt = i + 1 < n ? profile.timeDeltas[i + 1] : 0;
    total += dt;
    const parts: string[] = [];
    for (let cur = parent.get(id), k = 0; cur !== undefined && k < depth; cur = parent.get(cur), k++) parts.push(label(cur));
    const key = parts.join('  ←  ');
    chains.set(key, (chains.get(key) ?? 0) + dt);
  }
  const lines = [`Callers of ${name} (${(total / 1000).toFixed(1)} ms self):`];
  for (const [chain, us] of [...chains.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    lines.push(`${(us / 1000).toFixed(1).padStart(9)} ${((100 * us) / Math.max(1, total)).toFixed(0).padStart(3)}%  ${chain}`);
  }
  return lines.join('\n');
}

export function summarise(file: string, top = 25): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const { rows, totalMs, samples } = analyse(profile);
  const idle = rows.filter((r) => r.name === '(idle)').reduce((a, r) => a + r.selfMs, 0);
  const busy = totalMs - idle;
  const pct = (ms: number, of = totalMs) => `${((100 * ms) / of).toFixed(1)}%`;
  const lines: string[] = [];
  lines.push(`${file}`);
  lines.push(`${samples} samples over ${(totalMs / 1000).toFixed(2)} s; busy (not idle) ${(busy / 1000).toFixed(2)} s = ${pct(busy)}`);
  lines.push('');
  lines.push(`Top ${top} functions by self time (% of busy time):`);
  lines.push(`${'self ms'.padStart(9)} ${'self%'.padStart(6)} ${'total%'.padStart(6)}  function  (bundle location → source)`);
  for (const r of rows.filter((x) => x.name !== '(idle)').slice(0, top)) {
    const where = r.source ? `${r.location} → ${r.source}` : r.location || r.module;
    lines.push(`${r.selfMs.toFixed(1).padStart(9)} ${pct(r.selfMs, busy).padStart(6)} ${pct(r.totalMs, busy).padStart(6)}  ${r.name}  (${where})`);
  }
  const byModule = new Map<string, number>();
  for (const r of rows) if (r.name !== '(idle)') byModule.set(r.module, (byModule.get(r.module) ?? 0) + r.selfMs);
  lines.push('');
  lines.push('Self time by module (src file, npm package, node internals):');
  for (const [m, ms] of [...byModule.entries()].sort((a, b) => b[1] - a[1]).slice(0, 20)) {
    lines.push(`${ms.toFixed(1).padStart(9)} ${pct(ms, busy).padStart(6)}  ${m}`);
  }
  const ours = rows.filter((r) => r.source?.startsWith('src/') && r.name !== '(idle)').sort((a, b) => b.totalMs - a.totalMs);
  lines.push('');
  lines.push('Project functions (src/) by total time, top 25:');
  for (const r of ours.slice(0, 25)) {
    lines.push(`${r.totalMs.toFixed(1).padStart(9)} ${pct(r.totalMs, busy).padStart(6)}  self ${pct(r.selfMs, busy).padStart(6)}  ${r.name}  (${r.source})`);
  }
  return lines.join('\n');
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const topAt = args.indexOf('--top');
  const top = topAt >= 0 ? Number(args[topAt + 1]) || 25 : 25;
  const callersOf: string[] = [];
  const skip = new Set<number>();
  const depthAt = args.indexOf('--depth');
  const depth = depthAt >= 0 ? Number(args[depthAt + 1]) || 4 : 4;
  args.forEach((a, i) => {
    if (a === '--top' || a === '--depth') skip.add(i + 1);
    if (a === '--callers') {
      skip.add(i + 1);
      callersOf.push(args[i + 1]);
    }
  });
  const files = args.filter((a, i) => !a.startsWith('--') && !skip.has(i));
  if (files.length === 0) {
    process.stderr.write('usage: tsx bench/profile-summary.ts FILE.cpuprofile [--top 25] [--callers FUNCTION_NAME [--depth 4]]…\n');
    process.exit(2);
  }
  for (const f of files) {
    process.stdout.write(summarise(resolve(f), top) + '\n\n');
    if (callersOf.length > 0) {
      const profile = JSON.parse(readFileSync(resolve(f), 'utf8')) as CpuProfile;
      for (const name of callersOf) process.stdout.write(callers(profile, name, depth) + '\n\n');
    }
  }
}
