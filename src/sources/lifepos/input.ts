import { ToolInputError } from '../../tool.js';
import { quoted } from '../../untrusted.js';
import { isUuid } from './client.js';

/** Tool input checks shared by the LIFE POS tools (the root schemas stay plain strings). */

/** A guid field: trimmed, lower-cased, validated; braces (as some tools copy them) are dropped. */
export function guidField(field: string, raw: string | undefined, example: string): string | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const v = raw.trim().replace(/^\{(.*)\}$/, '$1').toLowerCase();
  if (!isUuid(v)) throw new ToolInputError(field, `${quoted(raw, 60)} is not a valid guid. Give a UUID like ${example} (36 characters, 8-4-4-4-12 hex digits).`);
  return v;
}
