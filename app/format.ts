/**
 * Money and percent strings for the dashboard, made from the exact decimal strings of structuredContent
 * ("12345.67") by string operations only: the app never does float arithmetic on money. The output matches
 * src/money.ts (the tool text) character for character: "12 345,67 ₽", "−56,70 ₽", "+12,4 %".
 */

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

/** Round a decimal string half-up (away from zero) to `places` digits; null when it is not a decimal. */
export function roundDecimal(value: string, places: number): { negative: boolean; int: string; frac: string } | null {
  const m = DECIMAL.exec(value.trim());
  if (!m) return null;
  const negative = m[1] === '-';
  let digits = (m[2] ?? '0') + (m[3] ?? '').padEnd(places, '0').slice(0, places);
  const next = (m[3] ?? '')[places];
  if (next !== undefined && next >= '5') digits = incrementDigits(digits);
  const int = digits.slice(0, digits.length - places).replace(/^0+(?=\d)/, '') || '0';
  return { negative, int, frac: digits.slice(digits.length - places) };
}

function incrementDigits(digits: string): string {
  const out = digits.split('');
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i] === '9') out[i] = '0';
    else {
      out[i] = String.fromCharCode(out[i]!.charCodeAt(0) + 1);
      return out.join('');
    }
  }
  return `1${out.join('')}`;
}

function isZero(r: { int: string; frac: string }): boolean {
  return /^0*$/.test(r.int + r.frac);
}

/** "12 345,67" (a minus sign "−" when negative and not zero once rounded). */
export function formatNumber(value: string, places = 2): string {
  const r = roundDecimal(value, places);
  if (!r) return value;
  const grouped = r.int.replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
  const sign = r.negative && !isZero(r) ? '−' : '';
  return `${sign}${grouped}${places > 0 ? `,${r.frac}` : ''}`;
}

/** "12 345,67 ₽"; "—" for an absent figure (null is never shown as 0). */
export function formatRub(value: string | null | undefined): string {
  return value == null ? '—' : `${formatNumber(value, 2)} ₽`;
}

/** "+1 234,00 ₽" / "−56,70 ₽". */
export function formatRubDelta(value: string | null | undefined): string {
  if (value == null) return '—';
  const r = roundDecimal(value, 2);
  const plus = r && !r.negative && !isZero(r) ? '+' : '';
  return `${plus}${formatRub(value)}`;
}

/** "+12,4 %" / "−3,0 %" / "0,0 %"; "n/a" when there is no comparison. */
export function formatPercent(value: string | null | undefined, places = 1): string {
  if (value == null) return 'n/a';
  const r = roundDecimal(value, places);
  if (!r) return value;
  const plus = !r.negative && !isZero(r) ? '+' : '';
  return `${plus}${formatNumber(value, places)} %`;
}

/** "1 234" for counts. */
export function formatCount(value: number | string | null | undefined): string {
  return value == null ? '—' : formatNumber(String(value), 0);
}

/** Bar geometry only: a decimal string as a float for pixel heights (never shown, never summed). */
export function magnitude(value: string | null | undefined): number {
  const n = value == null ? 0 : Number(value);
  return Number.isFinite(n) ? n : 0;
}
