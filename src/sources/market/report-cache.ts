import type { ReportSummary } from './report-summary.js';
import type { Sheet } from './report-file.js';
import type { Period } from '../../period.js';

/**
 * Parsed reports kept in memory for up to an hour (the 20 most recent; older ones leave earlier), so a client can read every row (MCP resource
 * `market-report://{reportId}`) or ask again without another generation. The download link is never
 * kept: it expires and each reports/info call mints a new one.
 */

export interface CachedReport {
  reportId: string;
  type?: string;
  format: string;
  bytes: number;
  sheets: Sheet[];
  summary: ReportSummary;
  generationFinishedAt?: string;
  subStatus?: string;
  /** The period the report was generated for, when this process generated it. */
  period?: Period;
  storedAt: number;
  expiresAt: number;
}

export const REPORT_TTL_MS = 60 * 60_000;
export const MAX_REPORTS = 20;

export class ReportCache {
  readonly #reports = new Map<string, CachedReport>();

  constructor(
    private readonly ttlMs = REPORT_TTL_MS,
    private readonly clock: () => number = Date.now,
  ) {}

  put(entry: Omit<CachedReport, 'storedAt' | 'expiresAt'>): CachedReport {
    const now = this.clock();
    const full = { ...entry, storedAt: now, expiresAt: now + this.ttlMs };
    this.#reports.delete(entry.reportId);
    this.#reports.set(entry.reportId, full);
    // Oldest first out when full: reports can be large.
    while (this.#reports.size > MAX_REPORTS) this.#reports.delete(this.#reports.keys().next().value!);
    return full;
  }

  get(reportId: string): CachedReport | undefined {
    const entry = this.#reports.get(reportId);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.clock()) {
      this.#reports.delete(reportId);
      return undefined;
    }
    return entry;
  }

  list(): CachedReport[] {
    const now = this.clock();
    for (const [id, e] of this.#reports) if (e.expiresAt <= now) this.#reports.delete(id);
    return [...this.#reports.values()];
  }
}

/** Report types this process generated, so a resumed report_id still knows what it is. */
export interface GeneratedMeta {
  type: string;
  format: string;
  period?: Period;
}

export class GeneratedReports {
  readonly #types = new Map<string, GeneratedMeta>();
  readonly #latest = new Map<string, string>();
  remember(reportId: string, type: string, format: string, period?: Period): void {
    this.#types.set(reportId, { type, format, period });
    this.#latest.set(type, reportId);
    if (this.#types.size > 500) this.#types.delete(this.#types.keys().next().value!);
  }
  get(reportId: string): GeneratedMeta | undefined {
    return this.#types.get(reportId);
  }
  /** The most recent report of `type` this process generated. */
  latest(type: string): string | undefined {
    return this.#latest.get(type);
  }
}
