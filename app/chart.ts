import { formatNumber, magnitude } from './format.js';
import type { Bar } from './view-model.js';

/**
 * The bar chart as one SVG string: plain SVG is enough for bars, a faint line and a tooltip, costs no
 * library bytes, and a year of days is ~1,500 elements, drawn in one innerHTML assignment.
 * Floats here are pixel geometry only; every figure a reader sees is a formatted decimal string.
 */

export interface ChartLayout {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
  slot: number;
  count: number;
}

export function chartLayout(width: number, count: number): ChartLayout {
  const layout = { width, height: 240, left: 64, right: 12, top: 12, bottom: 28 };
  return { ...layout, count, slot: (width - layout.left - layout.right) / Math.max(count, 1) };
}

export function renderChart(bars: Bar[], previous: Array<string | null> | null, l: ChartLayout): string {
  const values = bars.map((b) => magnitude(b.value));
  const refunds = bars.map((b) => Math.max(0, magnitude(b.refunds)));
  const prev = previous?.map((p) => (p === null ? null : magnitude(p))) ?? [];
  const known = prev.filter((p): p is number => p !== null);
  const top = Math.max(0, ...values.map((v, i) => v + refunds[i]!), ...known);
  const bottom = Math.min(0, ...values, ...known);
  const ticks = niceTicks(bottom, top === bottom ? 1 : top);
  const lo = ticks[0]!;
  const hi = ticks[ticks.length - 1]!;
  const plotH = l.height - l.top - l.bottom;
  const y = (v: number) => l.top + plotH - ((v - lo) / (hi - lo)) * plotH;
  const zero = y(0);
  const gap = l.slot > 6 ? Math.min(l.slot * 0.25, 10) : 0;
  const bw = Math.min(Math.max(l.slot - gap, 0.6), 120);
  const inset = (l.slot - bw) / 2;
  const out: string[] = [`<svg id="chart-svg" width="${l.width}" height="${l.height}" viewBox="0 0 ${l.width} ${l.height}" role="img">`];
  for (const t of ticks) {
    const ty = y(t).toFixed(1);
    out.push(`<line class="grid${t === 0 ? ' zero' : ''}" x1="${l.left}" x2="${l.width - l.right}" y1="${ty}" y2="${ty}"/>`);
    out.push(`<text class="tick" x="${l.left - 6}" y="${ty}" text-anchor="end" dominant-baseline="middle">${tickLabel(t)}</text>`);
  }
  bars.forEach((b, i) => {
    const x = (l.left + i * l.slot + inset).toFixed(1);
    const v = values[i]!;
    const vy = y(v);
    const barTop = Math.min(vy, zero);
    const h = Math.max(Math.abs(zero - vy), v === 0 ? 0 : 1);
    out.push(`<rect class="bar${b.partial ? ' partial' : ''}${v < 0 ? ' negative' : ''}" data-i="${i}" x="${x}" y="${barTop.toFixed(1)}" width="${bw.toFixed(1)}" height="${h.toFixed(1)}"/>`);
    const r = refunds[i]!;
    if (r > 0 && v >= 0) {
      const ry = y(v + r);
      out.push(`<rect class="refund" x="${x}" y="${ry.toFixed(1)}" width="${bw.toFixed(1)}" height="${Math.max(vy - ry, 1).toFixed(1)}"/>`);
    }
  });
  // The previous period: a faint line through the points it has (a gap where it has no data).
  let run: string[] = [];
  const flush = () => {
    if (run.length === 1) {
      const [px, py] = run[0]!.split(',').map(Number) as [number, number];
      out.push(`<line class="previous" x1="${(px - l.slot / 3).toFixed(1)}" x2="${(px + l.slot / 3).toFixed(1)}" y1="${py}" y2="${py}"/>`);
    } else if (run.length > 1) out.push(`<polyline class="previous" points="${run.join(' ')}"/>`);
    run = [];
  };
  bars.forEach((_, i) => {
    const v = prev[i];
    if (v === null || v === undefined) return flush();
    run.push(`${(l.left + (i + 0.5) * l.slot).toFixed(1)},${y(v).toFixed(1)}`);
  });
  flush();
  const every = Math.ceil(bars.length / Math.max(1, Math.floor((l.width - l.left) / 64)));
  bars.forEach((b, i) => {
    if (i % every !== 0) return;
    out.push(`<text class="axis" x="${(l.left + (i + 0.5) * l.slot).toFixed(1)}" y="${l.height - 8}" text-anchor="middle">${escapeHtml(b.label)}</text>`);
  });
  out.push('</svg>');
  return out.join('');
}

/** Which bar the pointer is over, from its x in the SVG. */
export function barAt(x: number, l: ChartLayout): number | null {
  const i = Math.floor((x - l.left) / l.slot);
  return i >= 0 && i < l.count ? i : null;
}

function niceTicks(min: number, max: number): number[] {
  const span = max - min;
  const raw = span / 4;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * pow).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let t = Math.floor(min / step) * step; t <= max + step * 0.999; t += step) ticks.push(Math.round(t * 100) / 100);
  return ticks.length > 1 ? ticks : [0, step];
}

/** Axis ticks are round numbers, shown short ("150 тыс.", "1,2 млн"); exact figures are in the tooltip. */
function tickLabel(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${formatNumber(String(Math.round(v / 1e5) / 10), a >= 1e7 ? 0 : 1).replace(/,0$/, '')} млн`;
  if (a >= 1e3) return `${formatNumber(String(Math.round(v / 100) / 10), 1).replace(/,0$/, '')} тыс.`;
  return formatNumber(String(v), 0);
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
