/** Metrics: live uPlot charts of the last five minutes, coloured from the theme. */
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import { TICK_SIZE, AXIS_GAP, timeLabel, timeTickSpace, valueAxisSize, type Measure } from '../model/chartAxis';
import { ERROR_OUTCOMES, type ChartSeries, type MetricsSeries } from '../model/metricsSeries';
import { ms } from './format';

const HEIGHT = 170;

/** A theme colour as the canvas needs it. */
function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}

/** Bumps when VS Code switches the theme (it changes the body's class). */
export function useThemeVersion(): number {
  const [version, setVersion] = useState(0);
  useEffect(() => {
    const observer = new MutationObserver(() => setVersion((v) => v + 1));
    observer.observe(document.body, { attributes: true, attributeFilter: ['class'] });
    return () => observer.disconnect();
  }, []);
  return version;
}

interface Line {
  label: string;
  color: string;
  values: (number | null)[];
  dash?: number[];
}

function Chart({ title, time, lines, unit, theme, summary }: { title: string; time: number[]; lines: Line[]; unit: (v: number) => string; theme: number; summary: string }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot>();
  const labels = lines.map((l) => l.label).join('|');

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const fg = cssVar('--vscode-foreground', '#888');
    const grid = cssVar('--vscode-charts-lines', 'rgba(128,128,128,0.3)');
    const family = cssVar('--vscode-font-family', 'sans-serif');
    const font = `11px ${family}`;
    // Labels are measured in the font they are drawn in, so the axes fit them.
    const ctx = document.createElement('canvas').getContext('2d');
    if (ctx) ctx.font = font;
    const measure: Measure = (text) => (ctx ? ctx.measureText(text).width : text.length * 7);
    const axis = { stroke: fg, font, gap: AXIS_GAP, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1, size: TICK_SIZE } };
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height: HEIGHT,
      legend: { show: true, live: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, y: { range: (_u, min, max) => [0, Math.max(1, max ?? 1, min ?? 0)] } },
      axes: [
        { ...axis, space: timeTickSpace(measure), values: (_u, ticks) => ticks.map(timeLabel) },
        { ...axis, size: (_u, values) => valueAxisSize(values, measure), values: (_u, ticks) => ticks.map(unit) },
      ],
      series: [{}, ...lines.map((l) => ({ label: l.label, stroke: cssVar(l.color, '#3794ff'), width: 1.5, dash: l.dash, value: (_u: uPlot, v: number | null) => (v == null ? '—' : unit(v)), spanGaps: false }))],
    };
    const u = new uPlot(opts, [time, ...lines.map((l) => l.values)] as uPlot.AlignedData, el);
    plot.current = u;
    const resize = new ResizeObserver(() => u.setSize({ width: Math.max(200, el.clientWidth), height: HEIGHT }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      u.destroy();
      plot.current = undefined;
    };
    // Recreated only when the theme or the set of lines changes; data flows through setData below.
  }, [theme, labels]);

  useEffect(() => {
    plot.current?.setData([time, ...lines.map((l) => l.values)] as uPlot.AlignedData);
  });

  return (
    <section class="card chart" aria-label={title}>
      <h2>{title}</h2>
      <div ref={box} class="chart-box" aria-hidden="true" />
      <p class="sr-only">{summary}</p>
    </section>
  );
}

function last(values: (number | null)[]): number | null {
  for (let i = values.length - 1; i >= 0; i--) if (values[i] != null) return values[i]!;
  return null;
}

const rateUnit = (v: number) => (v >= 100 ? Math.round(v).toString() : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const countUnit = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(1));

const ERROR_COLORS: Record<string, string> = {
  error: '--vscode-charts-orange',
  tool_error: '--vscode-errorForeground',
  failure: '--vscode-charts-red',
  expired: '--vscode-charts-yellow',
  gone: '--vscode-charts-purple',
  post_failed: '--vscode-charts-blue',
  cancelled: '--vscode-charts-foreground',
};

export function Metrics({ series }: { series: MetricsSeries }) {
  const theme = useThemeVersion();
  const d: ChartSeries = series.data;
  const latest = series.latest;
  const totals = series.summary();
  if (!d.time.length) return <p class="muted">No metrics yet: they arrive once a second while the tunnel runs.</p>;
  const p = (v: number | null) => (v == null ? 'no calls yet' : ms(v));
  return (
    <div class="cards charts">
      <Chart
        title="Calls per second"
        theme={theme}
        time={d.time}
        unit={rateUnit}
        lines={[{ label: 'calls/s', color: '--vscode-charts-blue', values: d.callsPerSec }]}
        summary={`Now ${rateUnit(last(d.callsPerSec) ?? 0)} calls per second; ${totals.calls} calls in the last ${Math.round(d.time[d.time.length - 1]! - d.time[0]!)} seconds.`}
      />
      <Chart
        title="Latency"
        theme={theme}
        time={d.time}
        unit={ms}
        lines={[
          { label: 'p50', color: '--vscode-charts-green', values: d.p50 },
          { label: 'p95', color: '--vscode-charts-yellow', values: d.p95 },
          { label: 'p99', color: '--vscode-charts-red', values: d.p99 },
        ]}
        summary={`Latency now: p50 ${p(last(d.p50))}, p95 ${p(last(d.p95))}, p99 ${p(last(d.p99))}.`}
      />
      <Chart
        title="In flight and queue"
        theme={theme}
        time={d.time}
        unit={countUnit}
        lines={[
          { label: 'in flight', color: '--vscode-charts-blue', values: d.inFlight },
          { label: 'queued', color: '--vscode-charts-orange', values: d.queued },
          { label: 'running', color: '--vscode-charts-green', values: d.running },
          { label: 'capacity', color: '--vscode-charts-foreground', values: d.capacity, dash: [4, 4] },
        ]}
        summary={latest ? `${latest.inFlight} in flight of a capacity of ${latest.queueCapacity}; ${latest.queued} queued; ${latest.running} of ${latest.workers} workers busy. Peak in flight ${totals.peakInFlight}.` : ''}
      />
      <Chart
        title="Errors per second by outcome"
        theme={theme}
        time={d.time}
        unit={rateUnit}
        lines={ERROR_OUTCOMES.map((o) => ({ label: o, color: ERROR_COLORS[o]!, values: d.errorsPerSec[o] }))}
        summary={`In the window: ${ERROR_OUTCOMES.map((o) => `${o} ${totals.errors[o]}`).join(', ')}.`}
      />
    </div>
  );
}
