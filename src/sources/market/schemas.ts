import { z } from 'zod';

/** Lenient zod schemas of the Partner API answers we read (unknown fields pass through). */

export const REPORT_STATUSES = ['PENDING', 'PROCESSING', 'FAILED', 'DONE'] as const;
export type ReportStatus = (typeof REPORT_STATUSES)[number];
export const REPORT_SUB_STATUSES = ['NO_DATA', 'TOO_LARGE', 'RESOURCE_NOT_FOUND'] as const;
export type ReportSubStatus = (typeof REPORT_SUB_STATUSES)[number];

export const GenerateReportResponse = z.looseObject({
  result: z.looseObject({
    // The model passes it back as report_id, and it becomes a path segment: the same form the input accepts.
    reportId: z.string().regex(/^[A-Za-z0-9_-]{1,255}$/),
    // Checked by the client: a nonsensical estimate (the spec's own example is −9007199254740991) is ignored.
    estimatedGenerationTime: z.unknown().optional(),
  }),
});

export const ReportInfoResponse = z.looseObject({
  result: z.looseObject({
    status: z.enum(REPORT_STATUSES),
    // Optional fields of another type than the spec's are ignored by the client (with a note), not fatal.
    subStatus: z.unknown().optional(),
    generationRequestedAt: z.unknown().optional(),
    generationFinishedAt: z.unknown().optional(),
    file: z.unknown().optional(),
    estimatedGenerationTime: z.unknown().optional(),
  }),
});

export interface ReportInfo {
  status: ReportStatus;
  subStatus?: string;
  generationRequestedAt?: string;
  generationFinishedAt?: string;
  /** A short-lived download link: use at once, never keep. */
  file?: string;
  estimatedMs?: number;
}

export const ErrorBody = z.looseObject({
  errors: z.array(z.looseObject({ code: z.string().optional(), message: z.string().optional() })).optional().nullable(),
});
