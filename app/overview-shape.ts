/**
 * The structuredContent `revenue_overview` (issue 12) must return for the dashboard to draw it — the one
 * documented place for that contract. Money is an exact decimal string in roubles ("12345.67"), never a
 * number; null means "not reported" and is shown as "—", never as 0. Sources are never added together.
 */
export interface RevenueOverviewContent {
  /** Tells the dashboard which view to draw. */
  kind: 'revenue_overview';
  currency: 'RUB';
  period: OverviewPeriod;
  /** The comparison period every `change` is computed against. */
  previous_period: OverviewPeriod;
  /** One row per configured source, in display order. */
  sources: OverviewSource[];
  /** Present when LIFE POS and Yandex OFD both cover days of the period. */
  reconciliation?: OverviewReconciliation;
  /** LIFE POS payments (as `pos_net`) vs Posiflora's paid orders (as `fiscal_net`) per day; not drawn yet. */
  orders_vs_payments?: OverviewReconciliation;
  notes?: string[];
}

export interface OverviewPeriod {
  /** "last_week", "yesterday", … or "custom". */
  name: string;
  /** Local date-times in the shop's time zone, e.g. "2026-11-23T00:00:00". */
  date_from: string;
  date_to: string;
  time_zone: string;
}

export type OverviewSource =
  | {
      /** "LIFE POS", "Yandex OFD", "Posiflora", "Yandex Market". */
      source: string;
      ok: true;
      gross: string | null;
      refunds: string | null;
      net: string | null;
      /** Receipts, sales or orders, as the source counts them. */
      count: number | null;
      /** What `count` counts, e.g. "receipts" or "orders". */
      count_label: string;
      change: { net_absolute: string | null; net_percent: string | null } | null;
      /** e.g. "report of 2026-11-29 10:00, covers 2026-11-01 – 2026-11-30" for Market. */
      note?: string;
    }
  | {
      source: string;
      ok: false;
      /** One line: what failed and what to do. */
      error: string;
    };

export interface OverviewReconciliation {
  /** e.g. "LIFE POS net vs Yandex OFD net". */
  compared: string;
  /** How the per-day POS figures were obtained ("reports/revenue/periods (Day)" or "one widget call per day"). */
  method: string;
  /** Threshold in words, e.g. "fiscal below POS by more than 1 % and 500 ₽". */
  threshold: string;
  /** Flagged days in the whole period, and days in it (a concise answer may list fewer in `days`). */
  flagged_days?: number;
  days_total?: number;
  days: Array<{
    /** "2026-11-23" */
    date: string;
    pos_net: string | null;
    fiscal_net: string | null;
    /** fiscal_net − pos_net (negative: fiscal below POS). */
    difference: string | null;
    /** Possibly unfiscalized: fiscal below POS beyond the threshold. */
    flagged: boolean;
  }>;
}
