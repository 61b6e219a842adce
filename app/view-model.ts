/** What the dashboard draws, whichever tool produced it. Every money string is already formatted. */
export type Interval = 'day' | 'week' | 'month';

export interface Bar {
  /** First local date the bar covers ("2026-11-23"); "" when it is not a date (overview sources). */
  start: string;
  /** Axis label, e.g. "23.11" or "Nov 2026". */
  label: string;
  /** Tooltip title, e.g. "Mon 23.11.2026" or "01.11 – 30.11.2026". */
  title: string;
  /** Raw decimal strings for the bar geometry only. */
  value: string;
  refunds: string | null;
  /** Tooltip lines, label → formatted exact figure; made on hover, so a year of days renders fast. */
  details(): Array<[string, string]>;
  partial: boolean;
}

export interface Headline {
  label: string;
  value: string;
  /** e.g. "+5,8 % vs 16.11 – 22.11.2026"; tone says which colour. */
  sub?: string;
  tone?: 'up' | 'down' | 'flat';
}

export interface DashboardView {
  title: string;
  /** "23.11 – 29.11.2026 · compared with 16.11 – 22.11.2026" */
  subtitle: string;
  headline: Headline[];
  /** What the bar value is (e.g. "Net sales"). */
  valueLabel: string;
  bars: Bar[];
  /** The previous period's value for each bar (same offset in its period), drawn as a faint line; null when not loaded. */
  previous: Array<string | null> | null;
  /** Intervals the interval switch offers (empty: no switch). */
  intervals: Interval[];
  interval: Interval | null;
  /** Whether previous/next period navigation makes sense for this tool. */
  navigable: boolean;
  /** Local dates of the shown period, for navigation. */
  range: { from: string; to: string } | null;
  /** Table rows under the chart (overview sources, Market statuses). */
  table: Table | null;
  /** Overview: POS vs fiscal per day, flagged days highlighted. */
  reconciliation: Table | null;
  notes: string[];
  /** A whole-result problem shown as a line (isError results, unknown shapes). */
  error: string | null;
}

export interface Table {
  caption: string;
  columns: string[];
  /** A row is either cells or one error line spanning the table. */
  rows: Array<{ cells: string[]; error?: string; flagged?: boolean }>;
  /** e.g. "1 day flagged: fiscal below POS by more than 1 % and 500 ₽". */
  footnote?: string;
}
