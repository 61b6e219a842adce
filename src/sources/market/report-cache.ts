import type { ReportSummary } from './report-summary.js';
import type { Sheet } from './report-file.js';
import type { Period } from '../../period.js';

/**
 * Parsed reports kept in memory for up to an hour (the 20 most recent within MAX_CACHED_CELLS; older ones
 * leave earlier), so a client can read every row (MCP resource
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
/**
 * Cells kept across all reports (rows × columns of every sheet). Parsed, a cell costs ~50 bytes of heap, so
 * this holds about two 50,000-row reports (~200 MB) or many small ones; the newest report is always kept.
 */
export const MAX_CACHED_CELLS = 4_000_000;

const cellsOf = (sheets: Sheet[]) => sheets.reduce((n, sheet) => n + sheet.rows.length * sheet.columns.length, 0);

export class ReportCache {
  readonly #reports = new Map<string, CachedReport>();
  #cells = 0;

  constructor(
    private readonly ttlMs = REPORT_TTL_MS,
    private readonly clock: () => number = Date.now,
    private readonly maxCells = MAX_CACHED_CELLS,
  ) {}

  put(entry: Omit<CachedReport, 'storedAt' | 'expiresAt'>): CachedReport {
    const now = this.clock();
    const full = { ...entry, storedAt: now, expiresAt: now + this.ttlMs };
    this.#delete(entry.reportId);
    this.#reports.set(entry.reportId, full);
    this.#cells += cellsOf(full.sheets);
    // Oldest first out when full, by count or by size: a big report is ~100 MB parsed.
    while (this.#reports.size > 1 && (this.#reports.size > MAX_REPORTS || this.#cells > this.maxCells)) this.#delete(this.#reports.keys().next().value!);
    return full;
  }

  #delete(reportId: string): void {
    const entry = this.#reports.get(reportId);
    if (!entry) return;
    this.#reports.delete(reportId);
    this.#cells -= cellsOf(entry.sheets);
  }

  get(reportId: string): CachedReport | undefined {
    const entry = this.#reports.get(reportId);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.clock()) {
      this.#delete(reportId);
      return undefined;
    }
    return entry;
  }

  list(): CachedReport[] {
    const now = this.clock();
    for (const [id, e] of this.#reports) if (e.expiresAt <= now) this.#delete(id);
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
