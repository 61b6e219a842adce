import { z } from 'zod';
import { shownInput } from './tool.js';

/**
 * Periods in the shop's time zone (REVENUE_TZ). A period is a pair of local wall-clock bounds, both
 * inclusive, because that is how the upstreams take them ("2026-11-16 00:00:00" … "2026-11-22 23:59:59").
 * Named periods are resolved against "now"; each has a matching previous period for comparisons.
 */

export const NAMED_PERIODS = [
  'today',
  'yesterday',
  'this_week',
  'last_week',
  'this_month',
  'last_month',
  'last_7_days',
  'last_30_days',
  'this_year',
] as const;
export type NamedPeriod = (typeof NAMED_PERIODS)[number];

export interface Period {
  /** The named period, or 'custom' for explicit dates. */
  name: NamedPeriod | 'custom';
  /** Local start, inclusive: YYYY-MM-DDTHH:mm:ss */
  start: string;
  /** Local end, inclusive: YYYY-MM-DDTHH:mm:ss */
  end: string;
  tz: string;
}

export class PeriodError extends Error {
  override name = 'PeriodError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

// ---- plain calendar dates (no time zone), as UTC-midnight Date objects internally ----

const DAY_MS = 86_400_000;

function dateOf(ymd: string): Date {
  return new Date(`${ymd}T00:00:00Z`);
}
function ymdOf(d: Date): string {
  return d.toISOString().slice(0, 10);
}
export function addDays(ymd: string, days: number): string {
  return ymdOf(new Date(dateOf(ymd).getTime() + days * DAY_MS));
}
/** ISO weekday, Monday = 1 … Sunday = 7. */
export function isoWeekday(ymd: string): number {
  const d = dateOf(ymd).getUTCDay();
  return d === 0 ? 7 : d;
}
function addMonths(ymd: string, months: number): string {
  const d = dateOf(ymd);
  const target = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d.getUTCDate(), lastDay));
  return ymdOf(target);
}
function monthStart(ymd: string): string {
  return `${ymd.slice(0, 7)}-01`;
}
function monthEnd(ymd: string): string {
  return addDays(monthStart(addMonths(monthStart(ymd), 1)), -1);
}
/** Days between two dates, counting both ends. */
export function daysInclusive(fromYmd: string, toYmd: string): number {
  return Math.round((dateOf(toYmd).getTime() - dateOf(fromYmd).getTime()) / DAY_MS) + 1;
}

// ---- time zones ----

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(tz, f);
  }
  return f;
}

function formatLocal(instant: Date, tz: string): string {
  const parts = Object.fromEntries(formatter(tz).formatToParts(instant).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}`;
}

/** The zone's offset (ms) at a whole second. */
function offsetAt(ms: number, tz: string): number {
  return Date.parse(`${formatLocal(new Date(ms), tz)}Z`) - ms;
}

/**
 * Per zone, the offset of each UTC day on which it does not change (null on a day with a transition):
 * one Intl call per order made toLocal a sizeable share of a 100 k-order walk.
 */
const dayOffsets = new Map<string, Map<number, number | null>>();

/** Local wall-clock time of an instant: YYYY-MM-DDTHH:mm:ss. */
export function toLocal(instant: Date, tz: string): string {
  const ms = instant.getTime();
  const day = Math.floor(ms / DAY_MS);
  let days = dayOffsets.get(tz);
  if (!days) dayOffsets.set(tz, (days = new Map()));
  let offset = days.get(day);
  if (offset === undefined && Number.isFinite(ms)) {
    const start = offsetAt(day * DAY_MS, tz);
    offset = start === offsetAt(day * DAY_MS + DAY_MS - 1000, tz) ? start : null;
    days.set(day, offset);
  }
  const local = offset == null ? undefined : new Date(ms + offset).toISOString();
  // Years outside 1000-9999 and days with a transition take the exact path.
  return local && /^\d{4}-/.test(local) ? local.slice(0, 19) : formatLocal(instant, tz);
}

/** The instant at which the local wall-clock time `local` occurs in `tz` (first one, if ambiguous). */
export function toInstant(local: string, tz: string): Date {
  const asUtc = Date.parse(`${local}Z`);
  let guess = asUtc;
  // Two rounds settle the offset, including across a DST change.
  for (let i = 0; i < 2; i++) {
    const offset = Date.parse(`${toLocal(new Date(guess), tz)}Z`) - guess;
    guess = asUtc - offset;
  }
  return new Date(guess);
}

export function todayIn(tz: string, now: Date = new Date()): string {
  return toLocal(now, tz).slice(0, 10);
}

// ---- resolving input ----

const span = (name: Period['name'], from: string, to: string, tz: string): Period => ({
  name,
  start: `${from}T00:00:00`,
  end: `${to}T23:59:59`,
  tz,
});

/** Periods that run up to now: they end at the current minute, not at midnight. */
const TO_DATE: ReadonlySet<Period['name']> = new Set(['today', 'this_week', 'this_month', 'this_year']);

export function namedPeriod(name: NamedPeriod, tz: string, now: Date = new Date()): Period {
  const today = todayIn(tz, now);
  if (TO_DATE.has(name)) {
    // "So far": up to the current minute, so the previous period can be cut at the same point.
    const p = toDate(name, today, tz);
    return { ...p, end: `${toLocal(now, tz).slice(0, 16)}:59` };
  }
  switch (name) {
    case 'yesterday': {
      const y = addDays(today, -1);
      return span(name, y, y, tz);
    }
    case 'last_week': {
      const monday = addDays(today, 1 - isoWeekday(today) - 7);
      return span(name, monday, addDays(monday, 6), tz);
    }
    case 'last_month': {
      const start = monthStart(addMonths(monthStart(today), -1));
      return span(name, start, monthEnd(start), tz);
    }
    case 'last_7_days':
      return span(name, addDays(today, -7), addDays(today, -1), tz);
    case 'last_30_days':
      return span(name, addDays(today, -30), addDays(today, -1), tz);
    default:
      throw new Error(`unhandled period ${name}`);
  }
}

function toDate(name: NamedPeriod, today: string, tz: string): Period {
  switch (name) {
    case 'this_week':
      return span(name, addDays(today, 1 - isoWeekday(today)), today, tz);
    case 'this_month':
      return span(name, monthStart(today), today, tz);
    case 'this_year':
      return span(name, `${today.slice(0, 4)}-01-01`, today, tz);
    default:
      return span(name, today, today, tz);
  }
}

/** Move a local date-time by whole days or months, keeping the time of day. */
function shiftLocal(local: string, by: { days?: number; months?: number }): string {
  const date = local.slice(0, 10);
  const moved = by.months ? addMonths(date, by.months) : addDays(date, by.days ?? 0);
  return `${moved}${local.slice(10)}`;
}

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME_RE = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;

function validDate(ymd: string): boolean {
  if (!DATE_RE.test(ymd)) return false;
  const d = dateOf(ymd); // month 13 or day 32 give an invalid Date, February 30 rolls over
  return !Number.isNaN(d.getTime()) && ymdOf(d) === ymd;
}

/** Parse an ISO date or date-time into a local wall-clock bound; date-only means start or end of day. */
/** Years this server answers for: beyond them date arithmetic (and every upstream) has no meaning. */
const MIN_YEAR = 2000;
const MAX_YEAR = 2099;

function parseBound(field: string, raw: string, edge: 'start' | 'end', tz: string): string {
  const value = raw.trim();
  const year = /^\d{4}-/.test(value) ? Number(value.slice(0, 4)) : undefined;
  if (year !== undefined && (year < MIN_YEAR || year > MAX_YEAR)) {
    throw new PeriodError(field, `${field} ${shownInput(raw)} is outside the years ${MIN_YEAR}–${MAX_YEAR}; give a date such as 2026-11-01.`);
  }
  if (DATE_RE.test(value)) {
    if (!validDate(value)) throw new PeriodError(field, `${field} ${shownInput(raw)} is not a real calendar date.`);
    return edge === 'start' ? `${value}T00:00:00` : `${value}T23:59:59`;
  }
  const m = DATETIME_RE.exec(value);
  if (!m || !validDate(m[1]!) || Number(m[2]) > 23 || Number(m[3]) > 59 || Number(m[4] ?? 0) > 59) {
    throw new PeriodError(
      field,
      `${field} ${shownInput(raw)} is not an ISO date. Use YYYY-MM-DD (e.g. 2026-11-01) or YYYY-MM-DDTHH:mm:ss.`,
    );
  }
  // An end given to the minute covers that whole minute (12:30 → 12:30:59).
  const local = `${m[1]}T${m[2]}:${m[3]}:${m[4] ?? (edge === 'end' && !m[5] ? '59' : '00')}`;
  if (!m[5]) return local;
  // An explicit offset names an instant: convert it to the shop's wall clock.
  const offset = m[5] === 'Z' ? 'Z' : m[5].length === 5 ? `${m[5].slice(0, 3)}:${m[5].slice(3)}` : m[5];
  return toLocal(new Date(`${local}${offset}`), tz);
}

export interface PeriodInput {
  period?: string;
  date_from?: string;
  date_to?: string;
}

/**
 * Resolve a tool's period input: a named `period`, or `date_from` (+ optional `date_to`, default today).
 * Exactly one of the two forms; `fallback` applies when neither is given.
 */
export function resolvePeriod(input: PeriodInput, tz: string, now: Date = new Date(), fallback?: NamedPeriod, options: { future?: boolean } = {}): Period {
  const hasDates = input.date_from !== undefined || input.date_to !== undefined;
  if (input.period !== undefined && hasDates) {
    const dates = ['date_from', 'date_to'].filter((f) => input[f as 'date_from' | 'date_to'] !== undefined).join(' and ');
    throw new PeriodError('period', `conflicts with ${dates}: give a named period or dates, not both.`);
  }
  if (input.period !== undefined) {
    const name = input.period.trim().toLowerCase().replace(/[\s-]+/g, '_');
    if (!(NAMED_PERIODS as readonly string[]).includes(name)) {
      throw new PeriodError('period', `period ${shownInput(input.period)} is unknown. Use one of: ${NAMED_PERIODS.join(', ')}; or date_from/date_to.`);
    }
    return namedPeriod(name as NamedPeriod, tz, now);
  }
  if (!hasDates) {
    if (fallback) return namedPeriod(fallback, tz, now);
    throw new PeriodError('period', `Give a period (${NAMED_PERIODS.join(', ')}) or date_from/date_to as YYYY-MM-DD.`);
  }
  if (input.date_from === undefined) throw new PeriodError('date_from', 'date_from is required when date_to is given.');
  const start = parseBound('date_from', input.date_from, 'start', tz);
  const end = input.date_to === undefined ? `${todayIn(tz, now)}T23:59:59` : parseBound('date_to', input.date_to, 'end', tz);
  // A period that starts after now has no sales yet: answering zeros would read as a real (bad) figure.
  const nowLocal = toLocal(now, tz);
  if (!options.future && start > nowLocal) {
    throw new PeriodError('date_from', `${start.replace('T', ' ')} has not come yet (now ${nowLocal.slice(0, 16).replace('T', ' ')} in ${tz}): the period has not started. Give a past date_from.`);
  }
  // A period that ends after today would count the days to come as zeros and compare them as a fall.
  if (!options.future && end.slice(0, 10) > nowLocal.slice(0, 10)) {
    throw new PeriodError('date_to', `${end.slice(0, 10)} is after today (${nowLocal.slice(0, 10)} in ${tz}): days to come have no sales yet. Give date_to today or earlier, or a period so far such as this_month.`);
  }
  if (start > end) {
    throw new PeriodError('date_from', `date_from (${start.replace('T', ' ')}) is after date_to (${end.replace('T', ' ')}); swap them.`);
  }
  return { name: 'custom', start, end, tz };
}

/** Whole local days the period touches. */
export function periodDays(p: Period): number {
  return daysInclusive(p.start.slice(0, 10), p.end.slice(0, 10));
}

const isWholeDays = (p: Period) => p.start.endsWith('T00:00:00') && p.end.endsWith('T23:59:59');

/** Whole calendar units a whole-day period covers exactly: years, months or ISO weeks (Monday–Sunday). */
export interface CalendarSpan {
  unit: 'year' | 'month' | 'week';
  count: number;
}

export function calendarSpan(p: Period): CalendarSpan | undefined {
  if (!isWholeDays(p)) return undefined;
  const from = p.start.slice(0, 10);
  const to = p.end.slice(0, 10);
  if (from.endsWith('-01') && to === monthEnd(to)) {
    const months = (Number(to.slice(0, 4)) - Number(from.slice(0, 4))) * 12 + Number(to.slice(5, 7)) - Number(from.slice(5, 7)) + 1;
    if (from.slice(5, 7) === '01' && months % 12 === 0) return { unit: 'year', count: months / 12 };
    return { unit: 'month', count: months };
  }
  const days = daysInclusive(from, to);
  if (isoWeekday(from) === 1 && days % 7 === 0) return { unit: 'week', count: days / 7 };
  return undefined;
}

/**
 * Periods compared by the calendar: whatever their name, dates that cover whole months or years compare
 * with as many months or years before (October with September, however October was asked for). Rolling
 * spans (last_7_days, last_30_days) keep their equal-length comparison even when they happen to match a month.
 */
const CALENDAR_NAMES: ReadonlySet<Period['name']> = new Set(['custom', 'last_week', 'last_month']);

/**
 * The period to compare with: periods so far with the same stretch before (this_month → the same days of
 * last month); whole months and years with the months or years before; otherwise the span of equal length
 * just before (whole ISO weeks included: the weeks before).
 */
export function previousPeriod(p: Period): Period {
  const from = p.start.slice(0, 10);
  const to = p.end.slice(0, 10);
  // Periods so far are compared with the same stretch before: today until 14:05 with yesterday until 14:05.
  const shifted = (by: { days?: number; months?: number }): Period => ({ name: 'custom', start: shiftLocal(p.start, by), end: shiftLocal(p.end, by), tz: p.tz });
  switch (p.name) {
    case 'today':
      return shifted({ days: -1 });
    case 'this_week':
      return shifted({ days: -7 });
    case 'this_month':
      return shifted({ months: -1 });
    case 'this_year':
      return shifted({ months: -12 });
    default:
      break;
  }
  const calendar = CALENDAR_NAMES.has(p.name) ? calendarSpan(p) : undefined;
  if (calendar && calendar.unit !== 'week') {
    const months = calendar.unit === 'year' ? calendar.count * 12 : calendar.count;
    return span('custom', addMonths(from, -months), addDays(from, -1), p.tz);
  }
  if (isWholeDays(p)) {
    const days = daysInclusive(from, to);
    return span('custom', addDays(from, -days), addDays(from, -1), p.tz);
  }
  // Partial days: shift by the exact duration, in wall-clock terms.
  const startMs = Date.parse(`${p.start}Z`);
  const endMs = Date.parse(`${p.end}Z`);
  const length = endMs - startMs + 1000;
  const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19);
  return { name: 'custom', start: iso(startMs - length), end: iso(startMs - 1000), tz: p.tz };
}

const plural = (n: number, one: string) => (n === 1 ? one : `${n} ${one}s`);

/** Which previous period previousPeriod() chose, in words. */
export function comparisonBasis(p: Period): string {
  switch (p.name) {
    case 'today':
      return 'yesterday up to the same minute';
    case 'this_week':
      return 'last week up to the same day and minute';
    case 'this_month':
      return 'last month up to the same day and minute';
    case 'this_year':
      return 'last year up to the same day and minute';
    case 'yesterday':
      return 'the day before';
    default:
      break;
  }
  const calendar = CALENDAR_NAMES.has(p.name) ? calendarSpan(p) : undefined;
  if (calendar?.unit === 'month') return calendar.count === 1 ? 'the previous calendar month' : `the ${plural(calendar.count, 'calendar month')} before`;
  if (calendar?.unit === 'year') return calendar.count === 1 ? 'the previous calendar year' : `the ${plural(calendar.count, 'calendar year')} before`;
  if (calendar?.unit === 'week') return calendar.count === 1 ? 'the week before' : `the ${plural(calendar.count, 'week')} before`;
  if (isWholeDays(p)) {
    const days = periodDays(p);
    return days === 1 ? 'the day before' : `the ${days} days right before`;
  }
  return 'the stretch of equal length right before';
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** "October 2026", "2026", "ISO week 44 of 2026": the calendar name of a period that is exactly one unit. */
export function calendarName(p: Period): string | undefined {
  const calendar = calendarSpan(p);
  if (!calendar || calendar.count !== 1) return undefined;
  const from = p.start.slice(0, 10);
  if (calendar.unit === 'year') return from.slice(0, 4);
  if (calendar.unit === 'month') return `${MONTHS[Number(from.slice(5, 7)) - 1]} ${from.slice(0, 4)}`;
  const { week, year } = isoWeek(from);
  return `ISO week ${week} of ${year}`;
}

/** ISO week number and its year (the year of the week's Thursday). */
function isoWeek(ymd: string): { week: number; year: number } {
  const thursday = addDays(ymd, 4 - isoWeekday(ymd));
  const year = Number(thursday.slice(0, 4));
  return { week: Math.floor((daysInclusive(`${year}-01-01`, thursday) - 1) / 7) + 1, year };
}

/** "2026-10-01 – 2026-10-31 (October 2026)": the dates always, the calendar name when there is one. */
export function periodText(p: Period): string {
  const name = calendarName(p);
  return name ? `${formatPeriod(p)} (${name})` : formatPeriod(p);
}

/**
 * The first-line statement of every result: the period and the period it is compared with; `note` says
 * when that comparison was not made (e.g. "not fetched (…)"), so the reader still knows what it would be.
 */
export function comparisonText(p: Period, note?: string): string {
  return `${periodText(p)} vs ${periodText(previousPeriod(p))} (${comparisonBasis(p)}${note ? `; ${note}` : ''})`;
}

/** The `periods` block of every result's structuredContent (one shape for every tool). */
export interface PeriodsOut {
  from: string;
  to: string;
  /** The comparison period; present even when a tool only names it (compared: false). */
  previous_from: string;
  previous_to: string;
  basis: string;
  compared: boolean;
}

/** The published shape of PeriodsOut (defined once, referenced by every tool's output schema). */
export const periodsShape = z
  .object({
    from: z.string(),
    to: z.string(),
    previous_from: z.string(),
    previous_to: z.string(),
    basis: z.string(),
    compared: z.boolean(),
  })
  .meta({ title: 'periods' });

export function periodsOut(p: Period, compared: boolean): PeriodsOut {
  const prev = previousPeriod(p);
  return {
    from: p.start,
    to: p.end,
    previous_from: prev.start,
    previous_to: prev.end,
    basis: comparisonBasis(p),
    compared,
  };
}

/**
 * "2026-11-16 – 2026-11-22"; with times "2026-11-16 10:00 – 2026-11-16 18:00" (an end at :59 seconds
 * reads as its minute); bounds inside a minute keep their seconds, so nothing looks off by one.
 */
export function formatPeriod(p: Period): string {
  if (isWholeDays(p)) {
    const from = p.start.slice(0, 10);
    const to = p.end.slice(0, 10);
    return from === to ? from : `${from} – ${to}`;
  }
  const minutes = p.start.endsWith(':00') && p.end.endsWith(':59');
  const cut = minutes ? 16 : 19;
  return `${p.start.slice(0, cut).replace('T', ' ')} – ${p.end.slice(0, cut).replace('T', ' ')}`;
}
