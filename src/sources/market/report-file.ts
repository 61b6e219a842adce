import { crc32, inflateRawSync } from 'node:zlib';
import { Buffer } from 'node:buffer';
import { CELL_MAX, cleanText, quoted } from '../../untrusted.js';

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

/** Text as it was read: already decoded (the default), or UTF-8 bytes read as Latin-1 (utf8FromLatin1). */
type Decode = (text: string) => string;
const asRead: Decode = (text) => text;

const NOT_ASCII = /[\x80-\xff]/;
/** Text read as Latin-1 (one character per byte) from UTF-8 bytes, decoded as UTF-8. */
const utf8FromLatin1: Decode = (text) => (NOT_ASCII.test(text) ? Buffer.from(text, 'latin1').toString('utf8') : text);

/** A JSON file's key that is not ASCII: its sheet is decoded whole instead (see parseJsonFile). */
class KeyNotAscii extends Error {}

/** Cells, column and sheet names are upstream text: cleaned and bounded here, once, for every reader (src/untrusted.ts). */
function cell(v: unknown, decode = asRead): Cell {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' || typeof v === 'boolean') return v;
  // Nested values are kept readable rather than dropped.
  return cleanText(decode(typeof v === 'string' ? v : JSON.stringify(v)), CELL_MAX);
}

/** Distinct texts a column remembers (ColumnCells); a column with more (order numbers, times) remembers none. */
const KNOWN_TEXTS = 1024;

/**
 * The cells of one column made readable (cell()). A cell equal to the one above (a shop, an order's date on
 * its every item) or to one met before in a column of few distinct texts (statuses, regions, item names)
 * reuses its cleaned text: no second decoding or clean-up, and one string kept for all of them.
 */
class ColumnCells {
  #raw: string | undefined;
  #clean: Cell = null;
  #known: Map<string, Cell> | undefined = new Map();

  constructor(
    readonly name: string,
    private readonly decode: Decode,
  ) {}

  of(v: string): Cell {
    if (v === this.#raw) return this.#clean;
    this.#raw = v;
    const known = this.#known;
    if (known === undefined) return (this.#clean = cell(v, this.decode));
    let clean = known.get(v);
    if (clean === undefined) {
      clean = cell(v, this.decode);
      if (known.size < KNOWN_TEXTS) known.set(v, clean);
      else this.#known = undefined;
    }
    return (this.#clean = clean);
  }
}

/** The parsed records become the rows themselves (cells made readable in place): no second copy of a big sheet. */
function sheetFrom(name: string, records: Record<string, unknown>[], decode: Decode): Sheet {
  const columns: string[] = [];
  // Column names are upstream text too, cleaned once per distinct name (every record repeats them).
  const byKey = new Map<string, ColumnCells>();
  const seen = new Set<string>();
  // The keys of the record before and their columns: records repeat the same keys in the same order, so the
  // k-th key is usually the k-th key of the record before (one comparison, no lookup).
  const lastKeys: string[] = [];
  const lastColumns: ColumnCells[] = [];
  for (const r of records) {
    let k = 0;
    for (const key of Object.keys(r)) {
      let column = lastKeys[k] === key ? lastColumns[k] : byKey.get(key);
      lastKeys[k] = key;
      if (column === undefined) {
        // Renaming a key moves it last among the record's keys: a key read as Latin-1 is not renamed to its text.
        if (decode !== asRead && NOT_ASCII.test(key)) throw new KeyNotAscii();
        column = new ColumnCells(cleanText(key), decode);
        byKey.set(key, column);
        if (!seen.has(column.name)) {
          seen.add(column.name);
          columns.push(column.name);
        }
      }
      lastColumns[k++] = column;
      const name = column.name;
      // A dirty name is renamed to its cleaned form (rare).
      if (name !== key) {
        r[name] = r[key];
        delete r[key];
      }
      const v = r[name];
      if (typeof v === 'string') r[name] = column.of(v);
      else if (v !== null && typeof v === 'object') r[name] = cell(v, decode);
    }
  }
  return { name, columns, rows: records as Row[] };
}

/** A JSON sheet from its text; `decode` when the text is UTF-8 bytes read as Latin-1 (parseJsonFile). */
export function parseJsonSheet(name: string, text: string, decode = asRead): Sheet {
  let value: unknown;
  try {
    value = JSON.parse(stripBom(text));
  } catch {
    throw new ReportFileError(`sheet ${name} is not valid JSON`);
  }
  return sheetFrom(name, findRows(value) ?? [], decode);
}

const UTF8_BOM = [0xef, 0xbb, 0xbf];

/**
 * A file's UTF-8 bytes read as Latin-1, one character per byte, without its BOM. JSON and CSV are ASCII
 * outside their text cells, so the file is parsed as read and only the text cells that differ from the one
 * above are decoded as UTF-8 (utf8FromLatin1): decoding a 25 MB file to UTF-16 first takes several times as
 * long and twice the memory.
 */
function latin1Text(data: Uint8Array): string {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return bytes.toString('latin1', UTF8_BOM.every((b, i) => bytes[i] === b) ? UTF8_BOM.length : 0);
}

/**
 * A JSON sheet from its bytes, read as Latin-1 (latin1Text). A file with a \u escape (which could stand for
 * a character Latin-1 reading cannot tell from UTF-8 bytes) or a key that is not ASCII is decoded whole.
 */
function parseJsonFile(name: string, data: Uint8Array): Sheet {
  if (Buffer.from(data.buffer, data.byteOffset, data.byteLength).indexOf('\\u') < 0) {
    try {
      return parseJsonSheet(name, latin1Text(data), utf8FromLatin1);
    } catch (err) {
      if (!(err instanceof KeyNotAscii)) throw err;
    }
  }
  return parseJsonSheet(name, utf8.decode(data));
}

/**
 * RFC 4180 CSV with the separator guessed from the header line. A line without quotes or a lone CR (most
 * lines) is split at its separators natively; other records are cut out with slices between separators
 * found by a regular expression (not built a character at a time). Each record becomes its row as soon as
 * it is read, so a 50,000-row sheet is never held twice. `decode` when the text is UTF-8 bytes read as
 * Latin-1 (latin1Text).
 */
export function parseCsvSheet(name: string, text: string, decode = asRead): Sheet {
  const body = stripBom(text);
  const firstLine = body.slice(0, body.search(/\r?\n|$/));
  const counts = [';', ',', '\t'].map((d) => [d, firstLine.split(d).length] as const);
  const sep = counts.sort((a, b) => b[1] - a[1])[0]![0];
  const stop = new RegExp(`[${sep}\r\n]`, 'g');
  let columns: string[] = [];
  // Every row starts as a copy of one record with every column: a row built one keyed store at a time
  // falls into V8's dictionary mode past a dozen columns (several times the memory, slower to read).
  let blank: Row | undefined;
  let cells: ColumnCells[] = [];
  const rows: Row[] = [];
  const take = (record: string[]) => {
    if (record.length === 1 && record[0] === '') return; // an empty line
    if (!blank) {
      columns = record.map((h, i) => cleanText(decode(h)) || `column_${i + 1}`);
      cells = columns.map((c) => new ColumnCells(c, decode));
      blank = JSON.parse(JSON.stringify(Object.fromEntries(columns.map((c) => [c, null])))) as Row;
      return;
    }
    const row: Row = { ...blank };
    for (let i = 0; i < cells.length; i++) {
      const v = record[i];
      row[cells[i]!.name] = v === undefined || v === '' ? null : cells[i]!.of(v);
    }
    rows.push(row);
  };
  const record: string[] = [];
  let i = 0;
  // The next quote and CR at or after i (the end when there is none), looked up again only once passed.
  let nextQuote = -1;
  let nextCr = -1;
  const next = (char: string, known: number) => {
    if (known >= i) return known;
    const at = body.indexOf(char, i);
    return at < 0 ? body.length : at;
  };
  while (i < body.length) {
    if (record.length === 0) {
      nextQuote = next('"', nextQuote);
      nextCr = next('\r', nextCr);
      let lineEnd = body.indexOf('\n', i);
      if (lineEnd < 0) lineEnd = body.length;
      const end = nextCr === lineEnd - 1 ? lineEnd - 1 : lineEnd;
      if (nextQuote >= lineEnd && nextCr >= end) {
        take(body.slice(i, end).split(sep));
        i = lineEnd + 1;
        continue;
      }
    }
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
    record.length = 0;
    i = end + (body[end] === '\r' && body[end + 1] === '\n' ? 2 : 1);
  }
  if (record.length > 0) take(record);
  return { name, columns, rows };
}

const baseName = (path: string) => path.split('/').pop()!.replace(/\.[^.]+$/, '');

/** A file of the archive as its central directory describes it. */
interface ZipEntry {
  name: string;
  method: number;
  /** Bit 0: encrypted. */
  flags: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

const EOCD = 0x06054b50;
const CENTRAL_ENTRY = 0x02014b50;
const LOCAL_ENTRY = 0x04034b50;
const ZIP64_MARK = 0xffffffff;
const ZIP64_EXTRA = 0x0001;
const STORED = 0;
const DEFLATED = 8;
const utf8 = new TextDecoder();
const latin1 = new TextDecoder('latin1');

/**
 * The archive's central directory: every file with its declared CRC-32 and sizes (ZIP64 sizes read from the
 * entry's extra field). The files are then inflated by zlib (native code, several times faster than an
 * inflater in JavaScript), and each is checked against what is declared here.
 */
function centralDirectory(bytes: Uint8Array): ZipEntry[] {
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
  const unreadable = () => new ReportFileError('the report ZIP is damaged (its directory of files is unreadable)');
  const count = view.getUint16(eocd + 10, true);
  let at = view.getUint32(eocd + 16, true);
  const entries: ZipEntry[] = [];
  for (let n = 0; n < count; n++) {
    if (at + 46 > bytes.length || view.getUint32(at, true) !== CENTRAL_ENTRY) throw unreadable();
    const flags = view.getUint16(at + 8, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const nameBytes = bytes.subarray(at + 46, at + 46 + nameLength);
    const entry: ZipEntry = {
      // Bit 11: the name is UTF-8; otherwise code page 437, read as Latin-1.
      name: (flags & 0x800 ? utf8 : latin1).decode(nameBytes),
      method: view.getUint16(at + 10, true),
      flags,
      crc: view.getUint32(at + 16, true),
      compressedSize: view.getUint32(at + 20, true),
      size: view.getUint32(at + 24, true),
      localOffset: view.getUint32(at + 42, true),
    };
    // ZIP64: each field marked 0xFFFFFFFF above is in the extra field, in this order, as 8 bytes.
    const extraEnd = Math.min(at + 46 + nameLength + extraLength, bytes.length);
    for (let x = at + 46 + nameLength; x + 4 <= extraEnd; x += 4 + view.getUint16(x + 2, true)) {
      if (view.getUint16(x, true) !== ZIP64_EXTRA) continue;
      let field = x + 4;
      for (const key of ['size', 'compressedSize', 'localOffset'] as const) {
        if (entry[key] !== ZIP64_MARK || field + 8 > extraEnd) continue;
        entry[key] = Number(view.getBigUint64(field, true));
        field += 8;
      }
    }
    entries.push(entry);
    at += 46 + nameLength + extraLength + view.getUint16(at + 32, true);
  }
  return entries;
}

/** The unpacked bytes of one file, checked against its declared size and CRC-32. */
function unpack(bytes: Uint8Array, entry: ZipEntry): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { name, localOffset } = entry;
  if (localOffset + 30 > bytes.length || view.getUint32(localOffset, true) !== LOCAL_ENTRY) {
    throw new ReportFileError(`the report ZIP is damaged (${quoted(name)} is not where its directory says)`);
  }
  const dataStart = localOffset + 30 + view.getUint16(localOffset + 26, true) + view.getUint16(localOffset + 28, true);
  if (dataStart + entry.compressedSize > bytes.length) throw new ReportFileError(`the report ZIP is incomplete (${quoted(name)} is cut short): the download was cut short`);
  if (entry.flags & 1) throw new ReportFileError(`the report ZIP is encrypted (${quoted(name)})`);
  const packed = bytes.subarray(dataStart, dataStart + entry.compressedSize);
  let data: Uint8Array;
  if (entry.method === STORED) data = packed;
  else if (entry.method === DEFLATED) {
    try {
      // One byte more than declared is enough to tell that the file unpacks to more than it says.
      data = inflateRawSync(packed, { maxOutputLength: entry.size + 1 });
    } catch (err) {
      const why = (err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' ? `unpacks to more than the ${entry.size} bytes it declares` : `does not inflate (${err instanceof Error ? err.message : String(err)})`;
      throw new ReportFileError(`the report ZIP is damaged: ${quoted(name)} ${why}`);
    }
  } else throw new ReportFileError(`the report ZIP could not be opened (${quoted(name)} uses compression method ${entry.method}, not deflate)`);
  if (data.length !== entry.size) {
    throw new ReportFileError(`the report ZIP is damaged: ${quoted(name)} unpacks to ${data.length} bytes, not the ${entry.size} it declares`);
  }
  if (crc32(data) >>> 0 !== entry.crc) throw new ReportFileError(`the report ZIP is damaged: ${quoted(name)} fails its CRC-32 check`);
  return data;
}

/**
 * Unzip, verify and parse every sheet. `maxUnpackedBytes` guards against a file that inflates far beyond
 * its download size (the declared sizes are checked before inflating, and no file may inflate past its
 * own); a damaged file (CRC-32, sizes, missing directory, no sheet at all) is an error, never figures.
 */
export function parseReportFile(bytes: Uint8Array, maxUnpackedBytes: number): { sheets: Sheet[]; skipped: string[] } {
  if (bytes.length < 4 || bytes[0] !== 0x50 || bytes[1] !== 0x4b) {
    throw new ReportFileError('the report file is not a ZIP archive (was it generated as XLSX, format FILE?)');
  }
  // By name, a later entry of the same name replacing an earlier one.
  const files = new Map<string, ZipEntry>();
  let total = 0;
  for (const entry of centralDirectory(bytes)) {
    if (entry.name.endsWith('/')) continue;
    total += entry.size;
    if (total > maxUnpackedBytes) throw new ReportFileError(`the report unpacks to more than ${Math.round(maxUnpackedBytes / 1024 / 1024)} MiB`);
    files.set(entry.name, entry);
  }
  const sheets: Sheet[] = [];
  const skipped: string[] = [];
  for (const [path, entry] of files) {
    // Every file is unpacked and checked, sheets or not: damage anywhere means a damaged download.
    const data = unpack(bytes, entry);
    const lower = path.toLowerCase();
    const sheetName = cleanText(baseName(path));
    if (lower.endsWith('.json')) sheets.push(parseJsonFile(sheetName, data));
    else if (lower.endsWith('.csv')) sheets.push(parseCsvSheet(sheetName, latin1Text(data), utf8FromLatin1));
    else skipped.push(path);
  }
  if (sheets.length === 0) {
    throw new ReportFileError(`the report ZIP holds no sheet (JSON or CSV)${skipped.length ? `, only ${skipped.slice(0, 5).map((p) => quoted(p)).join(', ')}` : ''}; it is probably damaged`);
  }
  return { sheets, skipped };
}
