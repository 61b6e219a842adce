import { toInstant, type Period } from '../../period.js';

/**
 * The widget's query parameter names are not documented (api-facts §1.5). These are the best candidates:
 * the revenue filter model of the sibling reports and export tasks. They live here and nowhere else, so
 * a correction is one edit. Whether the API honoured them shows in the echoed `period` of each summary,
 * which the tool compares with what was sent.
 */
export const WIDGET_PARAMS = {
  from: 'processed_at_from',
  to: 'processed_at_to',
  comparisonFrom: 'comparison_processed_at_from',
  comparisonTo: 'comparison_processed_at_to',
  outlet: 'outlet_guid',
} as const;

export interface Window {
  from: Date;
  /** Inclusive. */
  to: Date;
}

/** The window a period is sent as: local bounds as instants, the end second inclusive up to its last millisecond. */
export function windowOf(p: Period): Window {
  return { from: toInstant(p.start, p.tz), to: new Date(toInstant(p.end, p.tz).getTime() + 999) };
}

export function widgetQuery(current: Window, previous: Window, outletGuid?: string): Record<string, string> {
  return {
    presentation: 'full',
    [WIDGET_PARAMS.from]: current.from.toISOString(),
    [WIDGET_PARAMS.to]: current.to.toISOString(),
    [WIDGET_PARAMS.comparisonFrom]: previous.from.toISOString(),
    [WIDGET_PARAMS.comparisonTo]: previous.to.toISOString(),
    ...(outletGuid ? { [WIDGET_PARAMS.outlet]: outletGuid } : {}),
  };
}
