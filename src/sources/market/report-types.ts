/**
 * The report generators the tool knows, with the body fields each takes (Partner API spec,
 * `paths/v2_reports_<type>_generate.yaml`) and whether it accepts `language`.
 */

export const REPORT_TYPES = ['united-orders', 'united-marketplace-services', 'shows-sales', 'goods-movement'] as const;
export type ReportType = (typeof REPORT_TYPES)[number];

export interface ReportTypeInfo {
  title: string;
  /** Longest period the API accepts, in days. */
  maxDays: number;
  language: boolean;
}

export const REPORT_TYPE_INFO: Record<ReportType, ReportTypeInfo> = {
  'united-orders': { title: 'orders report', maxDays: 366, language: true },
  'united-marketplace-services': { title: 'services cost report', maxDays: 92, language: true },
  'shows-sales': { title: 'sales analytics', maxDays: 400, language: false },
  'goods-movement': { title: 'goods movement (FBY)', maxDays: 366, language: false },
};

export const PLACEMENT_PROGRAMS = ['FBS', 'FBY', 'DBS', 'LAAS'] as const;
export const GROUPINGS = ['CATEGORIES', 'OFFERS'] as const;
export const FORMATS = ['JSON', 'CSV'] as const;
export type ReportFormat = (typeof FORMATS)[number];
export const LANGUAGES = ['RU', 'EN'] as const;
export type ReportLanguage = (typeof LANGUAGES)[number];

export const limitKeyOf = (type: ReportType) => `generate.${type}`;

/** Normalise a model's spelling ("United Orders", "united_orders") to the API's type name. */
export function normaliseReportType(raw: string): ReportType | undefined {
  const v = raw.trim().toLowerCase().replace(/[\s_]+/g, '-');
  return (REPORT_TYPES as readonly string[]).includes(v) ? (v as ReportType) : undefined;
}
