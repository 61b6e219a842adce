import type { McpUiHostContext } from '@modelcontextprotocol/ext-apps';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { HostConnection } from './bridge.js';
import { barAt, chartLayout, escapeHtml, renderChart, type ChartLayout } from './chart.js';
import { addDays, buildView, errorView, toolKind, type ToolKind } from './model.js';
import type { DashboardView, Interval, Table } from './view-model.js';

/** The dashboard: draws each tool result the host sends, and asks the server for other intervals/periods. */

interface State {
  tool: ToolKind | null;
  /** The arguments of the call being shown: the base for the next call. */
  args: Record<string, unknown>;
  view: DashboardView;
  layout: ChartLayout | null;
  /** Tooltip line per bar for the previous period, once loaded. */
  previousDetails: string[];
  busy: boolean;
}

const root = document.getElementById('app')!;
const state: State = { tool: null, args: {}, view: { ...errorView(''), error: null, subtitle: 'Waiting for the tool result…' }, layout: null, previousDetails: [], busy: false };
/** Counts results so a late answer for the previous period never lands on a newer view. */
let generation = 0;

const host = new HostConnection({
  toolInput: (p) => {
    state.args = { ...(p.arguments ?? {}) };
  },
  toolResult: (result) => show(result as CallToolResult),
  hostContext: applyHostContext,
  teardown: () => undefined,
});

function show(result: CallToolResult): void {
  const started = performance.now();
  state.tool = toolKind(result.structuredContent) ?? state.tool;
  state.view = buildView(result);
  state.previousDetails = [];
  generation++;
  render();
  // Exposed for the benchmark and tests: script time, and time until the frame after (layout and paint done).
  document.body.dataset.renderMs = (performance.now() - started).toFixed(1);
  requestAnimationFrame(() => setTimeout(() => (document.body.dataset.paintMs = (performance.now() - started).toFixed(1))));
  void loadPrevious(generation);
}

function render(): void {
  const v = state.view;
  const controls = controlsHtml(v);
  const parts = [
    `<header><div><h1>${escapeHtml(v.title)}</h1><p class="sub">${escapeHtml(v.subtitle)}</p></div>${controls}</header>`,
  ];
  if (v.error) parts.push(`<p class="error-line" role="alert">${escapeHtml(v.error)}</p>`);
  if (v.headline.length)
    parts.push(
      `<section class="headline">${v.headline
        .map(
          (h) =>
            `<div class="figure"><span class="label">${escapeHtml(h.label)}</span><span class="value">${escapeHtml(h.value)}</span>${
              h.sub ? `<span class="delta ${h.tone ?? 'flat'}">${escapeHtml(h.sub)}</span>` : ''
            }</div>`,
        )
        .join('')}</section>`,
    );
  if (v.bars.length) {
    parts.push(
      `<figure class="chart"><div id="plot"></div><figcaption><span class="key net"></span>${escapeHtml(v.valueLabel)}${
        v.bars.some((b) => b.refunds) ? '<span class="key refund"></span>Refunds' : ''
      }<span class="key previous"${v.previous ? '' : ' hidden'}></span><span class="prev-label"${v.previous ? '' : ' hidden'}>Previous period</span></figcaption><div id="tooltip" role="tooltip" hidden></div></figure>`,
    );
  } else if (!v.error && v.headline.length) {
    parts.push('<p class="empty">No sales in this period.</p>');
  }
  if (v.table) parts.push(tableHtml(v.table, 'sources'));
  if (v.reconciliation) parts.push(tableHtml(v.reconciliation, 'reconciliation'));
  if (v.notes.length) parts.push(`<ul class="notes">${v.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>`);
  root.innerHTML = parts.join('');
  root.classList.toggle('busy', state.busy);
  drawChart();
  requestAnimationFrame(reportSize);
}

function drawChart(): void {
  const plot = document.getElementById('plot');
  if (!plot) return;
  state.layout = chartLayout(Math.max(plot.clientWidth, 280), state.view.bars.length);
  plot.innerHTML = renderChart(state.view.bars, state.view.previous, state.layout);
}

function controlsHtml(v: DashboardView): string {
  const buttons: string[] = [];
  const off = state.busy || !state.tool ? ' disabled' : '';
  if (v.intervals.length)
    buttons.push(
      `<div class="seg" role="group" aria-label="Interval">${v.intervals
        .map((i) => `<button data-interval="${i}" aria-pressed="${v.interval === i}"${off}>${i[0]!.toUpperCase()}${i.slice(1)}</button>`)
        .join('')}</div>`,
    );
  if (v.navigable)
    buttons.push(
      `<div class="seg" role="group" aria-label="Period"><button data-shift="-1" title="Previous period"${off}>◀</button><button data-shift="1" title="Next period"${off}>▶</button></div>`,
    );
  return buttons.length ? `<nav>${buttons.join('')}</nav>` : '';
}

function tableHtml(t: Table, cls: string): string {
  const width = t.columns.length;
  const head = `<tr>${t.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr>`;
  const body = t.rows
    .map((r) =>
      r.error !== undefined
        ? `<tr class="error"><td>${escapeHtml(r.cells[0] ?? '')}</td><td colspan="${width - 1}">${escapeHtml(r.error)}</td></tr>`
        : `<tr${r.flagged ? ' class="flagged"' : ''}>${r.cells.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`,
    )
    .join('');
  const foot = t.footnote ? `<p class="foot">${escapeHtml(t.footnote)}</p>` : '';
  return `<section class="${cls}"><h2>${escapeHtml(t.caption)}</h2><table><thead>${head}</thead><tbody>${body}</tbody></table>${foot}</section>`;
}

// ---- tooltip ----

root.addEventListener('pointermove', (e) => {
  const tip = document.getElementById('tooltip');
  const svg = document.getElementById('chart-svg');
  if (!tip || !svg || !state.layout) return;
  const box = svg.getBoundingClientRect();
  const i = e.target instanceof Element && svg.contains(e.target) ? barAt(e.clientX - box.left, state.layout) : null;
  const bar = i === null ? undefined : state.view.bars[i];
  if (!bar) {
    tip.hidden = true;
    return;
  }
  const prev = state.previousDetails[i!];
  tip.innerHTML = `<strong>${escapeHtml(bar.title)}${bar.partial ? ' (part)' : ''}</strong>${bar
    .details()
    .map(([k, val]) => `<div><span>${escapeHtml(k)}</span><b>${escapeHtml(val)}</b></div>`)
    .join('')}${prev ? `<div class="prev"><span>Previous period</span><b>${escapeHtml(prev)}</b></div>` : ''}`;
  tip.hidden = false;
  const x = Math.min(e.clientX - box.left + 14, box.width - tip.offsetWidth - 4);
  tip.style.left = `${Math.max(4, x)}px`;
  tip.style.top = `${Math.max(0, e.clientY - box.top - tip.offsetHeight - 10)}px`;
});
root.addEventListener('pointerleave', () => {
  const tip = document.getElementById('tooltip');
  if (tip) tip.hidden = true;
});

// ---- interaction through the host ----

root.addEventListener('click', (e) => {
  const button = (e.target as Element).closest('button');
  if (!button || button.disabled) return;
  if (button.dataset.interval) void switchTo({ interval: button.dataset.interval as Interval });
  else if (button.dataset.shift) void switchTo({ shift: Number(button.dataset.shift) });
});

async function switchTo(change: { interval?: Interval; shift?: number }): Promise<void> {
  const tool = state.tool;
  const range = state.view.range;
  if (!tool) return;
  if (!host.capabilities.serverTools) {
    state.view = { ...state.view, notes: [...state.view.notes, 'This host does not let the dashboard call the server; ask in the chat instead.'] };
    render();
    return;
  }
  const nextRange = change.shift && range ? shiftRange(range, change.shift) : range;
  const args = callArgs(tool, state.args, nextRange, change.interval ?? state.view.interval);
  state.busy = true;
  render();
  try {
    const result = await host.callServerTool({ name: tool, arguments: args });
    state.args = args;
    state.busy = false;
    show(result);
    await tellModel(tool, args, change);
  } catch (err) {
    state.busy = false;
    state.view = { ...state.view, error: `Could not reach the server: ${(err as Error).message}` };
    render();
  }
}

/** The model learns what the user looked at, so "why did Tuesday drop?" refers to what is on screen. */
async function tellModel(tool: ToolKind, args: Record<string, unknown>, change: { interval?: Interval; shift?: number }): Promise<void> {
  if (!host.capabilities.updateModelContext) return;
  const what = change.interval ? `switched the interval to ${change.interval}` : `moved to the ${change.shift! < 0 ? 'previous' : 'next'} period`;
  const shown = state.view.headline.map((h) => `${h.label}: ${h.value}${h.sub ? ` (${h.sub})` : ''}`).join('; ');
  const text = `In the revenue dashboard the user ${what}; it now shows ${tool} for ${state.view.subtitle || 'the same period'}. ${shown}`;
  await host.updateModelContext({ content: [{ type: 'text', text }], structuredContent: { tool, arguments: args } }).catch(() => undefined);
}

function callArgs(tool: ToolKind, base: Record<string, unknown>, range: { from: string; to: string } | null, interval: Interval | null): Record<string, unknown> {
  const args: Record<string, unknown> = { ...base };
  if (range) {
    delete args.period;
    args.date_from = range.from;
    args.date_to = range.to;
  }
  if (tool === 'get_sales_aggregation') {
    if (interval) args.interval = interval;
    // Every interval for the chart: this answer goes to the view, not into the model's context.
    args.response_format = 'detailed';
  }
  if (tool === 'list_posiflora_orders' && interval) {
    const others = Array.isArray(base.group_by) ? base.group_by.filter((g) => g !== 'day' && g !== 'week') : [];
    args.group_by = [...others, interval];
  }
  return args;
}

/** Whole calendar months move by months; any other range by its length in days. */
function shiftRange(r: { from: string; to: string }, direction: number): { from: string; to: string } {
  const step = periodStep(r);
  return { from: shiftDate(r.from, step, direction), to: step.months ? addDays(shiftDate(addDays(r.to, 1), step, direction), -1) : shiftDate(r.to, step, direction) };
}

type Step = { months: number; days: number };

function periodStep(r: { from: string; to: string }): Step {
  if (r.from.endsWith('-01') && addDays(r.to, 1).endsWith('-01')) {
    return { months: (Number(r.to.slice(0, 4)) - Number(r.from.slice(0, 4))) * 12 + Number(r.to.slice(5, 7)) - Number(r.from.slice(5, 7)) + 1, days: 0 };
  }
  return { months: 0, days: (Date.parse(`${r.to}T00:00:00Z`) - Date.parse(`${r.from}T00:00:00Z`)) / 86_400_000 + 1 };
}

function shiftDate(ymd: string, step: Step, direction: number): string {
  if (!step.months) return addDays(ymd, direction * step.days);
  const shifted = addMonths(ymd, direction * step.months);
  return `${shifted.slice(0, 8)}${ymd.slice(8, 10)}`;
}

function addMonths(ymd: string, n: number): string {
  const total = Number(ymd.slice(0, 4)) * 12 + Number(ymd.slice(5, 7)) - 1 + n;
  return `${Math.floor(total / 12)}-${String((total % 12) + 1).padStart(2, '0')}-01`;
}

/** The faint line: the same tool for the period before, fetched quietly after the first render. */
async function loadPrevious(gen: number): Promise<void> {
  const tool = state.tool;
  const v = state.view;
  if (!tool || !v.range || v.bars.length < 2 || !v.interval || !host.capabilities.serverTools) return;
  const prevRange = shiftRange(v.range, -1);
  try {
    const result = await host.callServerTool({ name: tool, arguments: callArgs(tool, state.args, prevRange, v.interval) });
    if (gen !== generation || result.isError) return;
    const prev = buildView(result);
    // Align by position in the period: the bar for 23.11 meets the previous bar that starts 16.11.
    const step = periodStep(v.range);
    const byStart = new Map(prev.bars.map((b) => [shiftDate(b.start, step, 1), b]));
    const matched = state.view.bars.map((b) => byStart.get(b.start));
    state.view = { ...state.view, previous: matched.map((b) => b?.value ?? null) };
    state.previousDetails = matched.map((b) => (b ? `${b.details()[0]?.[1] ?? ''} · ${b.title}` : ''));
    render();
  } catch {
    // The comparison line is a nicety: the headline already compares the totals.
  }
}

// ---- theme and size ----

function applyHostContext(ctx: McpUiHostContext): void {
  const el = document.documentElement;
  if (ctx.theme) {
    el.dataset.theme = ctx.theme;
    el.style.colorScheme = ctx.theme;
  }
  for (const [k, v] of Object.entries(ctx.styles?.variables ?? {})) if (typeof v === 'string') el.style.setProperty(k, v);
  if (ctx.styles?.css?.fonts && !document.getElementById('host-fonts')) {
    const style = document.createElement('style');
    style.id = 'host-fonts';
    style.textContent = ctx.styles.css.fonts;
    document.head.appendChild(style);
  }
}

let lastHeight = 0;
function reportSize(): void {
  const h = Math.ceil(document.documentElement.scrollHeight);
  if (h !== lastHeight) {
    lastHeight = h;
    host.sizeChanged(Math.ceil(document.documentElement.scrollWidth), h);
  }
}
new ResizeObserver(() => {
  const plot = document.getElementById('plot');
  if (plot && state.layout && Math.max(plot.clientWidth, 280) !== state.layout.width) drawChart();
  reportSize();
}).observe(document.body);

render();
host.connect({ name: 'revenue-dashboard', version: '1' }).catch((err: Error) => {
  state.view = errorView(`Could not connect to the host: ${err.message}`);
  render();
});
