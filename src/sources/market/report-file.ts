import { crc32 } from 'node:zlib';
import { CELL_MAX, cleanText, quoted } from '../../untrusted.js';
import { onFirstUse } from '../../lazy.js';

/** fflate, loaded with the first report file. */
const fflate = onFirstUse<typeof import('fflate')>('fflate');

/**
 * A downloaded report file → sheets of rows. Market sends a ZIP with one file per sheet: JSON
 * (`{"rows":[{camelCaseKey: value}]}`) or CSV (UPPER_SNAKE header row). Parsing is tolerant: a BOM,
 * subfolders, `;` or `,` separators, rows under another key, unknown and missing columns.
 */

export type Cell = string | number | boolean | null;
export type Row = Record<string, Cell>;

export interface Sheet {
  /** File name without folder and extension, e.g. `orders_and_offers_transactions`. */
  name: string;
  /** Column names in first-seen order. */
  columns: string[];
  rows: Row[];
}

export class ReportFileError extends Error {
  override name = 'ReportFileError';
}

function stripBom(text: string): string {
  return text.replace(/^\uFEFF/, '');
}

/** The rows of a JSON sheet: `rows`, a top-level array, or the first array of objects found inside. */
function findRows(value: unknown, depth = 0): Record<string, unknown>[] | undefined {
  if (depth > 4 || value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) return value.every((v) => v !== null && typeof v === 'object' && !Array.isArray(v)) ? (value as Record<string, unknown>[]) : undefined;
  const obj = value as Record<string, unknown>;
  if (Array.isArray(obj.rows)) return findRows(obj.rows, depth + 1);
  for (const v of Object.values(obj)) {
    const found = findRows(v, depth + 1);
    if (found && found.length > 0) return found;
  }
  return undefined;
}

/** Cells, column and sheet names are upstream text: cleaned and bounded here, once, for every reader (src/untrusted.ts). */
function cell(v: unknown): Cell {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' || typeof v === 'boolean') return v;
  // Nested values are kept readable rather than dropped.
  return cleanText(typeof v === 'string' ? v : JSON.stringify(v), CELL_MAX);
}

/** The parsed records become the rows themselves (cells made readable in place): no second copy of a big sheet. */
function sheetFrom(name: string, records: Record<string, unknown>[]): Sheet {
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const r of records) {
    for (const key of Object.keys(r)) {
      // Column names are upstream text too: a dirty one is renamed to its cleaned form (rare).
      const k = cleanText(key);
      if (k !== key) {
        r[k] = r[key];
        delete r[key];
      }
      if (!seen.has(k)) {
        seen.add(k);
        columns.push(k);
      }
      const v = r[k];
      if (v !== null && (typeof v === 'object' || typeof v === 'string')) r[k] = cell(v);
    }
  }
  return { name, columns, rows: records as Row[] };
}

export function parseJsonSheet(name: string, text: string): Sheet {
  let value: unknown;
  try {
    value = JSON.parse(stripBom(text));
  } catch {
    throw new ReportFileError(`sheet ${name} is not valid JSON`);
  }
  return sheetFrom(name, findRows(value) ?? []);
}

/**
 * RFC 4180 CSV with the separator guessed from the header line. Fields are cut out with slices between
 * separators found by a regular expression (not built a character at a time), and each record becomes its
 * row as soon as it is read, so a 50,000-row sheet is never held twice.
 */
export function parseCsvSheet(name: string, text: string): Sheet {
  const body = stripBom(text);
  const firstLine = body.slice(0, body.search(/\r?\n|$/));
  const counts = [';', ',', '\t'].map((d) => [d, firstLine.split(d).length] as const);
  const sep = counts.sort((a, b) => b[1] - a[1])[0]![0];
  const stop = new RegExp(`[${sep}\r\n]`, 'g');
  let columns: string[] | undefined;
  const rows: Row[] = [];
  const take = (record: string[]) => {
    if (record.length === 1 && record[0] === '') return; // an empty line
    if (!columns) {
      columns = record.map((h, i) => cleanText(h) || `column_${i + 1}`);
      return;
    }
    const row: Row = {};
    columns.forEach((c, i) => {
      const v = record[i];
      row[c] = v === undefined || v === '' ? null : cell(v);
    });
    rows.push(row);
  };
  let record: string[] = [];
  let i = 0;
  while (i < body.length) {
    let field = '';
    if (body.charCodeAt(i) === 34) {
      // A quoted part: "" inside stands for one quote; a missing closing quote takes the rest of the file.
      let from = i + 1;
      for (;;) {
        const q = body.indexOf('"', from);
        if (q < 0) {
          field += body.slice(from);
          i = body.length;
          break;
        }
        field += body.slice(from, q);
        if (body.charCodeAt(q + 1) === 34) {
          field += '"';
          from = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
    }
    // The unquoted part (or what follows a closing quote) runs to the next separator or line break.
    stop.lastIndex = i;
    const end = stop.exec(body)?.index ?? body.length;
    field += body.slice(i, end);
    record.push(field);
    if (end >= body.length) break;
    if (body[end] === sep) {
      i = end + 1;
      if (i === body.length) record.push('');
      continue;
    }
    take(record);
    record = [];
    i = end + (body[end] === '\r' && body[end + 1] === '\n' ? 2 : 1);
  }
  if (record.length > 0) take(record);
  return { name, columns: columns ?? [], rows };
}

const baseName = (path: string) => path.split('/').pop()!.replace(/\.[^.]+$/, '');

interface Declared {
  crc: number;
  size: number;
}

const EOCD = 0x06054b50;
const CENTRAL_ENTRY = 0x02014b50;
const ZIP64_MARK = 0xffffffff;

/**
 * What the ZIP's central directory declares for each file (CRC-32 and unpacked size). fflate inflates
 * without checking either, so a flipped bit or a cut file would otherwise become "exact" figures.
 */
function declaredEntries(bytes: Uint8Array): Map<string, Declared> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let eocd = -1;
  // The end record is within the last 22 + 65535 (comment) bytes.
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new ReportFileError('the report ZIP is incomplete (no end-of-archive record): the download was cut short');
  const count = view.getUint16(eocd + 10, true);
  let at = view.getUint32(eocd + 16, true);
  const out = new Map<string, Declared>();
  for (let n = 0; n < count; n++) {
    if (at + 46 > bytes.length || view.getUint32(at, true) !== CENTRAL_ENTRY) {
      throw new ReportFileError('the report ZIP is damaged (its directory of files is unreadable)');
    }
    const nameLength = view.getUint16(at + 28, true);
    const name = fflate().strFromU8(bytes.subarray(at + 46, at + 46 + nameLength));
    out.set(name, { crc: view.getUint32(at + 16, true), size: view.getUint32(at + 24, true) });
    at += 46 + nameLength + view.getUint16(at + 30, true) + view.getUint16(at + 32, true);
  }
  return out;
}

/** Each unpacked file has the size and CRC-32 its directory entry declares. */
function verifyEntries(entries: Record<string, Uint8Array>, declared: Map<string, Declared>): void {
  for (const [name, data] of Object.entries(entries)) {
    const d = declared.get(name);
    if (!d) throw new ReportFileError(`the report ZIP is damaged (${quoted(name)} is not in its directory)`);
    if (d.size !== ZIP64_MARK && data.length !== d.size) {
      throw new ReportFileError(`the report ZIP is damaged: ${quoted(name)} unpacks to ${data.length} bytes, not the ${d.size} it declares`);
    }
    if (crc32(data) >>> 0 !== d.crc) throw new ReportFileError(`the report ZIP is damaged: ${quoted(name)} fails its CRC-32 check`);
  }
}

/**
 * Unzip, verify and parse every sheet. `maxUnpackedBytes` guards against a file that inflates far beyond
 * its download size; a damaged file (CRC-32, sizes, missing directory, no sheet at all) is an error, never
 * figures.
 */
export function parseReportFile(bytes: Uint8Array, maxUnpackedBytes: number): { sheets: Sheet[]; skipped: string[] } {
  if (bytes.length < 4 || bytes[0] !== 0x50 || bytes[1] !== 0x4b) {
    throw new ReportFileError('the report file is not a ZIP archive (was it generated as XLSX, format FILE?)');
  }
  let total = 0;
  let entries: Record<string, Uint8Array>;
  const declared = declaredEntries(bytes);
  try {
    entries = fflate().unzipSync(bytes, {
      filter: (f) => {
        total += f.originalSize;
        if (total > maxUnpackedBytes) throw new ReportFileError(`the report unpacks to more than ${Math.round(maxUnpackedBytes / 1024 / 1024)} MiB`);
        return !f.name.endsWith('/');
      },
    });
  } catch (err) {
    if (err instanceof ReportFileError) throw err;
    throw new ReportFileError(`the report ZIP could not be opened (${err instanceof Error ? err.message : String(err)})`);
  }
  verifyEntries(entries, declared);
  const sheets: Sheet[] = [];
  const skipped: string[] = [];
  const { strFromU8 } = fflate();
  for (const [path, data] of Object.entries(entries)) {
    const lower = path.toLowerCase();
    if (lower.endsWith('.json')) sheets.push(parseJsonSheet(cleanText(baseName(path)), strFromU8(data)));
    else if (lower.endsWith('.csv')) sheets.push(parseCsvSheet(cleanText(baseName(path)), strFromU8(data)));
    else skipped.push(path);
  }
  if (sheets.length === 0) {
    throw new ReportFileError(`the report ZIP holds no sheet (JSON or CSV)${skipped.length ? `, only ${skipped.slice(0, 5).map((p) => quoted(p)).join(', ')}` : ''}; it is probably damaged`);
  }
  return { sheets, skipped };
}
