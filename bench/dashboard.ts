/**
 * Dashboard at scale: 10,000 trace entries.
 *
 * 1. View-model: time to filter 10,000 rows (webview/model/traceFilter.ts)
 *    for each kind of filter, cold (first use of each row's search text) and
 *    warm, median of repeated runs.
 * 2. The built bundle (dist/webview/dashboard.js, run `npm run build` first)
 *    in headless Chromium, in a plain page with a fake acquireVsCodeApi that
 *    answers 'ready' with a 10,000-row snapshot: time to first render of the
 *    trace, scroll frame times (the table scrolled a screen per frame from top
 *    to bottom), and the time from typing in the text filter to the updated table.
 *
 *   npm run bench:dashboard            # both
 *   tsx bench/dashboard.ts --model     # the view-model only
 *   tsx bench/dashboard.ts --shots DIR # also save screenshots of each section (light and dark)
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { compileFilter, EMPTY_FILTER, filterRows, haystack, PROBLEMS, TraceStore, type TraceFilter } from '../webview/model/traceFilter';
import type { MetricsSnapshot, TraceRow } from '../webview/protocol';
import { max, median, percentile, round } from './lib/stats';

// The functions given to page.evaluate run in the page; the project compiles without the DOM library, so name what they use.
declare const window: any;
declare const document: any;
declare const PerformanceObserver: any;
declare function requestAnimationFrame(callback: (time: number) => void): number;
type HTMLElement = any;
type HTMLInputElement = any;
declare class Event {
  constructor(type: string, init?: { bubbles?: boolean });
}

const ROOT = join(__dirname, '..');
const BUNDLE = join(ROOT, 'dist', 'webview', 'dashboard.js');
const N = 10_000;

const METHODS = ['tools/call', 'tools/call', 'tools/call', 'tools/list', 'resources/read', 'prompts/get', 'notifications/initialized', 'initialize', 'ping'];
const TOOLS = ['echo', 'add', 'longRunningOperation', 'sampleLLM', 'getTinyImage', 'annotatedMessage', 'get-resource-links', 'structuredContent'];
const OUTCOMES = ['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'error', 'failure', 'expired'] as const;

/** Deterministic pseudo-random rows shaped like real traffic. */
export function syntheticRows(n: number, start = Date.now() - n * 100): TraceRow[] {
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const sessions = Array.from({ length: 12 }, (_, i) => `${(0x1000 + i * 7919).toString(16)}-4a1b-9c2d-${i}`);
  const rows: TraceRow[] = [];
  for (let i = 0; i < n; i++) {
    const method = METHODS[Math.floor(rnd() * METHODS.length)]!;
    const tool = method === 'tools/call' ? TOOLS[Math.floor(rnd() * TOOLS.length)] : undefined;
    const outcome = OUTCOMES[Math.floor(rnd() * OUTCOMES.length)]!;
    const mcpMs = rnd() * 40;
    const row: TraceRow = {
      key: i + 1,
      seq: i + 1,
      requestId: `req_${(i * 2654435761).toString(36)}`,
      channel: 'main',
      commandType: 'jsonrpc',
      receivedAt: start + i * 100,
      method,
      toolName: tool,
      jsonrpcId: method.startsWith('notifications/') ? undefined : i,
      sessionId: sessions[Math.floor(rnd() * sessions.length)],
      phases: { queuedMs: rnd() * 2, mcpMs, postMs: rnd() * 3 },
      durationMs: mcpMs + 3,
      outcome,
      bytesIn: Math.floor(rnd() * 4000),
      bytesOut: Math.floor(rnd() * 400),
      notifications: 0,
      captured: true,
      preview: tool ? JSON.stringify({ name: tool, arguments: { message: `hello ${i}`, a: i, b: i * 2 } }) : '{}',
    };
    if (outcome === 'error') row.errorCode = -32602;
    if (outcome === 'failure') row.failure = { version: 1, source: 'transport_closed', upstream_response_received: false };
    rows.push(row);
  }
  return rows;
}

function syntheticMetrics(count: number): MetricsSnapshot[] {
  const now = Date.now();
  let ok = 0;
  let error = 0;
  return Array.from({ length: count }, (_, i) => {
    ok += 20 + Math.round(10 * Math.sin(i / 10));
    error += i % 17 === 0 ? 2 : 0;
    return {
      time: now - (count - i) * 1000,
      commands: { ok, error },
      inFlight: 3 + (i % 5),
      queued: i % 7 === 0 ? 4 : 0,
      running: 3,
      queueCapacity: 32,
      workers: 8,
      latencyMs: { p50: 4 + Math.sin(i / 7), p95: 12 + 2 * Math.sin(i / 5), p99: 30 + 5 * Math.sin(i / 3), count: 100 },
      bytes: { controlPlaneIn: 0, controlPlaneOut: 0, mcpIn: 0, mcpOut: 0 },
      pollCycles: i,
      mcpRestarts: 0,
    };
  });
}

function time(fn: () => void, runs: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    out.push(performance.now() - t0);
  }
  return out;
}

interface ModelFigures {
  rows: number;
  [name: string]: number;
}

function benchModel(): ModelFigures {
  const rows = syntheticRows(N);
  const figures: ModelFigures = { rows: N };
  // Cold: the first text filter builds every row's search text.
  const cold = performance.now();
  filterRows(rows, { ...EMPTY_FILTER, text: 'echo' });
  figures['text "echo", cold (builds search text) ms'] = round(performance.now() - cold, 2);
  for (const r of rows) haystack(r);
  const filters: [string, TraceFilter][] = [
    ['method = tools/call', { ...EMPTY_FILTER, method: 'tools/call' }],
    ['outcome = not ok', { ...EMPTY_FILTER, outcome: PROBLEMS }],
    ['session = one of 12', { ...EMPTY_FILTER, session: rows[0]!.sessionId! }],
    ['text "echo"', { ...EMPTY_FILTER, text: 'echo' }],
    ['text "hello 99" (params)', { ...EMPTY_FILTER, text: 'hello 99' }],
    ['text, no match', { ...EMPTY_FILTER, text: 'zzzz-nothing' }],
    ['all four combined', { method: 'tools/call', outcome: 'ok', session: rows[0]!.sessionId!, text: 'echo' }],
  ];
  for (const [name, filter] of filters) {
    const test = compileFilter(filter)!;
    time(() => rows.filter(test), 5);
    const runs = time(() => rows.filter(test), 50);
    figures[`${name} median ms`] = round(median(runs), 3);
    figures[`${name} p95 ms`] = round(percentile(runs, 95), 3);
  }
  const store = new TraceStore(N);
  figures['TraceStore.reset(10,000) ms'] = round(median(time(() => store.reset(rows), 10)), 3);
  figures['TraceStore.append(1 row, at cap) ms'] = round(median(time(() => store.append(syntheticRows(1, Date.now()).map((r) => ({ ...r, key: r.key + 1e6 }))), 50)), 3);
  return figures;
}

const PAGE = (bundleDir: string, theme: 'light' | 'dark') => `<!DOCTYPE html>
<html><head><meta charset="utf-8">
<link rel="stylesheet" href="${pathToFileURL(join(ROOT, 'dist', 'codicons', 'codicon.css')).href}">
<link rel="stylesheet" href="${pathToFileURL(join(bundleDir, 'dashboard.css')).href}">
<style>
  body.vscode-dark { --vscode-foreground:#cccccc; --vscode-editor-background:#1f1f1f; --vscode-panel-border:#2b2b2b; --vscode-descriptionForeground:#9d9d9d;
    --vscode-list-hoverBackground:#2a2d2e; --vscode-list-activeSelectionBackground:#04395e; --vscode-list-inactiveSelectionBackground:#37373d; --vscode-list-activeSelectionForeground:#fff;
    --vscode-button-background:#0078d4; --vscode-button-foreground:#fff; --vscode-input-background:#313131; --vscode-input-foreground:#ccc; --vscode-dropdown-background:#313131; --vscode-dropdown-foreground:#ccc;
    --vscode-charts-blue:#3794ff; --vscode-charts-green:#89d185; --vscode-charts-yellow:#cca700; --vscode-charts-red:#f14c4c; --vscode-charts-orange:#d18616; --vscode-charts-purple:#b180d7; --vscode-charts-foreground:#ccc; --vscode-charts-lines:rgba(204,204,204,.3);
    --vscode-testing-iconPassed:#73c991; --vscode-errorForeground:#f85149; --vscode-editorWarning-foreground:#cca700; --vscode-badge-background:#616161; --vscode-badge-foreground:#fff; --vscode-focusBorder:#0078d4;
    --vscode-font-family: system-ui, sans-serif; --vscode-editor-font-family: monospace; }
  body.vscode-light { --vscode-foreground:#3b3b3b; --vscode-editor-background:#fff; --vscode-panel-border:#e5e5e5; --vscode-descriptionForeground:#717171;
    --vscode-list-hoverBackground:#f2f2f2; --vscode-list-activeSelectionBackground:#e8e8e8; --vscode-list-inactiveSelectionBackground:#e4e6f1;
    --vscode-button-background:#005fb8; --vscode-button-foreground:#fff; --vscode-input-background:#fff; --vscode-input-border:#cecece; --vscode-dropdown-background:#fff; --vscode-dropdown-border:#cecece;
    --vscode-charts-blue:#1a85ff; --vscode-charts-green:#388a34; --vscode-charts-yellow:#bf8803; --vscode-charts-red:#e51400; --vscode-charts-orange:#d18616; --vscode-charts-purple:#652d90; --vscode-charts-foreground:#616161; --vscode-charts-lines:rgba(97,97,97,.3);
    --vscode-testing-iconPassed:#388a34; --vscode-errorForeground:#e51400; --vscode-editorWarning-foreground:#bf8803; --vscode-badge-background:#cccccc; --vscode-badge-foreground:#333; --vscode-focusBorder:#005fb8;
    --vscode-font-family: system-ui, sans-serif; --vscode-editor-font-family: monospace; }
</style>
<script>
  window.__posted = [];
  window.acquireVsCodeApi = () => ({
    postMessage: (m) => { window.__posted.push(m); if (m.type === 'ready') window.postMessage(window.__snapshot, '*'); },
    getState: () => window.__state,
    setState: (s) => { window.__state = s; },
  });
</script>
</head><body class="vscode-${theme}"><div id="app"></div>
<script>window.__snapshot = null;</script>
</body></html>`;

interface UiFigures {
  [name: string]: number | string;
}

async function benchUi(shots: string | undefined): Promise<UiFigures> {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run 'npm run build' first`);
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'] });
  const figures: UiFigures = {};
  try {
    for (const theme of shots ? (['dark', 'light'] as const) : (['dark'] as const)) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      const file = join('/tmp', `mcp-tunnel-dashboard-bench-${theme}.html`);
      writeFileSync(file, PAGE(join(ROOT, 'dist', 'webview'), theme));
      await page.goto(pathToFileURL(file).href);
      const rows = syntheticRows(N);
      const snapshot = {
        type: 'snapshot',
        profile: 'bench',
        health: {
          state: 'ready',
          tone: 'ok',
          running: true,
          capturePayloads: true,
          workerPid: 4242,
          stderr: ['Starting default (STDIO) server...', 'Secure MCP Everything Server running on stdio'],
          status: {
            state: 'ready',
            reason: 'ready',
            tunnelId: 'tunnel_0123456789abcdef',
            tunnelName: 'bench',
            controlPlane: 'http://127.0.0.1:7777',
            lastPollAt: Date.now() - 2000,
            consecutivePollErrors: 0,
            pollErrors: { network: 2 },
            channels: [{ channel: 'main', kind: 'stdio', state: 'ready', pid: 4343, restarts: 0, inFlight: 1, startedAt: Date.now() - 3_600_000 }],
          },
        },
        metrics: syntheticMetrics(300),
        trace: rows,
        logs: Array.from({ length: 200 }, (_, i) => ({ time: new Date(Date.now() - (200 - i) * 1000).toISOString(), level: i % 13 === 0 ? 'warn' : 'info', scope: 'poller', msg: `poll cycle ${i}` })),
        logLevel: 'info',
        maxEntries: N,
      };
      // One JSON string crosses into the page (structured objects through the driver would dominate the figure).
      await page.evaluate((json) => {
        (window as unknown as { __snapshot: unknown }).__snapshot = JSON.parse(json);
        (window as unknown as { __state: unknown }).__state = { profile: 'bench', tab: 'trace' };
      }, JSON.stringify(snapshot));
      const firstRender = await page.evaluate(async (src) => {
        const t0 = performance.now();
        const script = document.createElement('script');
        script.src = src;
        document.body.appendChild(script);
        while (!document.querySelector('.tbody .tr')) await new Promise((resolve) => requestAnimationFrame(resolve));
        return performance.now() - t0;
      }, pathToFileURL(BUNDLE).href);
      figures['load bundle + 10,000-row snapshot (postMessage, validation) → first rows drawn ms'] = round(firstRender, 1);
      figures['rows in the DOM'] = await page.locator('.tbody .tr').count();

      // Scroll a screenful per frame, top to bottom, and record each frame's interval.
      const scroll = await page.evaluate(async () => {
        const body = document.querySelector('.tbody') as HTMLElement;
        body.scrollTop = 0;
        await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
        const frames: number[] = [];
        let last = performance.now();
        const longTasks: number[] = [];
        const observer = new PerformanceObserver((list: any) => list.getEntries().forEach((e: { duration: number }) => longTasks.push(e.duration)));
        try {
          observer.observe({ type: 'longtask', buffered: false });
        } catch {
          /* not supported */
        }
        const step = body.clientHeight;
        while (body.scrollTop + body.clientHeight < body.scrollHeight - 1) {
          body.scrollTop += step;
          await new Promise((r) => requestAnimationFrame(r));
          const now = performance.now();
          frames.push(now - last);
          last = now;
        }
        // Then back up in small wheel-like steps (3 rows a frame) for 300 frames.
        for (let i = 0; i < 300; i++) {
          body.scrollTop -= 72;
          await new Promise((r) => requestAnimationFrame(r));
          const now = performance.now();
          frames.push(now - last);
          last = now;
        }
        observer.disconnect();
        return { frames, longTasks, rowsInDom: document.querySelectorAll('.tbody .tr').length };
      });
      figures['scroll frames measured'] = scroll.frames.length;
      figures['scroll frame interval p50 ms'] = round(median(scroll.frames), 1);
      figures['scroll frame interval p95 ms'] = round(percentile(scroll.frames, 95), 1);
      figures['scroll frame interval max ms'] = round(max(scroll.frames), 1);
      figures['frames over 50 ms'] = scroll.frames.filter((f) => f > 50).length;
      figures['long tasks (>50 ms) while scrolling'] = scroll.longTasks.length;
      figures['rows in the DOM while scrolling'] = scroll.rowsInDom;

      // Typing in the text filter: input event → table updated (preact renders in a microtask).
      const typing = await page.evaluate(async () => {
        const input = document.querySelector('.trace input[type=search]') as HTMLInputElement;
        const out: number[] = [];
        for (const text of ['e', 'ec', 'ech', 'echo', 'echo h', 'echo he', 'echo hel', 'echo hell', 'echo hello', '', 'hello 9', 'hello 99', '']) {
          const t0 = performance.now();
          input.value = text;
          input.dispatchEvent(new Event('input', { bubbles: true }));
          await new Promise((r) => setTimeout(r, 0));
          out.push(performance.now() - t0);
        }
        return out;
      });
      figures['text filter keystroke → table updated p50 ms'] = round(median(typing), 2);
      figures['text filter keystroke → table updated max ms'] = round(max(typing), 2);
      figures['page errors'] = errors.length ? errors.join('; ') : 0;

      if (shots) {
        mkdirSync(shots, { recursive: true });
        await page.locator('.tbody .tr').nth(3).click();
        await page.waitForTimeout(100);
        await page.screenshot({ path: join(shots, `bench-trace-${theme}.png`) });
        for (const tab of ['Health', 'Metrics', 'Tools', 'Logs']) {
          await page.getByRole('tab', { name: tab }).click();
          await page.waitForTimeout(300);
          await page.screenshot({ path: join(shots, `bench-${tab.toLowerCase()}-${theme}.png`) });
        }
        await page.setViewportSize({ width: 420, height: 800 });
        await page.getByRole('tab', { name: 'Trace' }).click();
        await page.waitForTimeout(200);
        await page.screenshot({ path: join(shots, `bench-trace-narrow-${theme}.png`) });
      }
      await page.close();
    }
  } finally {
    await browser.close();
  }
  return figures;
}

function table(title: string, figures: Record<string, number | string>): string {
  const lines = [`## ${title}`, '', '| figure | value |', '|---|---|'];
  for (const [k, v] of Object.entries(figures)) lines.push(`| ${k} | ${v} |`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const shotsAt = args.indexOf('--shots');
  const shots = shotsAt >= 0 ? args[shotsAt + 1] : undefined;
  const header = `# Dashboard at 10,000 trace entries\n\n${new Date().toISOString()} · node ${process.version} · view-model in node; UI in headless Chromium (software rendering, no GPU)\n`;
  console.log(header);
  console.log(table('View-model filtering (webview/model/traceFilter.ts)', benchModel()));
  if (!args.includes('--model')) {
    console.log('');
    console.log(table('Built bundle in headless Chromium', await benchUi(shots)));
  }
}

if (require.main === module) {
  void main().catch((err: Error) => {
    console.error(err);
    process.exit(1);
  });
}
