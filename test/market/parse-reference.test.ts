import { describe, expect, it } from 'vitest';
import { zipSync } from 'fflate';
import { parseCsvSheet, parseJsonSheet, parseReportFile } from '../../src/sources/market/report-file.js';
import { CELL_MAX, cleanText } from '../../src/untrusted.js';

/**
 * The report parsers take shortcuts; here they are checked against the plain way on random files.
 * CSV: most lines are split natively and the others cut out field by field, against a reader going one
 * character at a time — quoted fields with separators, doubled quotes and line breaks inside, CRLF, LF and
 * lone CR line ends, empty lines and fields, short and long records, a BOM, a last line with or without its
 * end. Files are read as Latin-1 and only changed text cells decoded, against the whole file decoded as
 * UTF-8 first — Cyrillic, emoji, invalid UTF-8 inside cells, and for JSON \u escapes, nested values, keys
 * that are not ASCII, a BOM.
 */

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Records of a CSV text, read a character at a time (RFC 4180; a lone CR ends a record too). */
function referenceRecords(text: string, sep: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const endRecord = () => {
    record.push(field);
    records.push(record);
    record = [];
    field = '';
  };
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (c === '"') quoted = false;
      else field += c;
      i += 1;
      continue;
    }
    if (c === '"' && field === '') quoted = true;
    else if (c === sep) {
      record.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      endRecord();
      i += 1;
    } else if (c === '\n' || c === '\r') endRecord();
    else field += c;
    i += 1;
  }
  if (field !== '' || record.length > 0) endRecord();
  return records;
}

function referenceRows(text: string, sep: string) {
  const [header, ...records] = referenceRecords(text.replace(/^\uFEFF/, ''), sep).filter((r) => !(r.length === 1 && r[0] === ''));
  const columns = header!.map((h, i) => cleanText(h) || `column_${i + 1}`);
  return {
    columns,
    rows: records.map((r) => Object.fromEntries(columns.map((c, i) => [c, r[i] === undefined || r[i] === '' ? null : cleanText(r[i], CELL_MAX)]))),
  };
}

function randomCsv(rnd: () => number, sep: string): string {
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const plain = ['100.50', '2172.8', 'Розы', 'TULIP-15', '', '01.10.2026', 'a b', 'x', 'café 🌹', 'plain'];
  const quoted = [`"Розы${sep} микс"`, '"say ""hi"""', '"two\nlines"', '"cr\r\nlf"', '""', '"plain"', `"${sep}"`];
  const lineEnd = () => pick(['\n', '\r\n', '\n', '\r']);
  const columns = 3 + Math.floor(rnd() * 4);
  let text = (rnd() < 0.3 ? '\uFEFF' : '') + Array.from({ length: columns }, (_, i) => `COL_${i}`).join(sep);
  const lines = 1 + Math.floor(rnd() * 40);
  for (let l = 0; l < lines; l++) {
    text += lineEnd();
    if (rnd() < 0.05) continue; // an empty line
    const fields = Math.max(1, columns + pick([-1, 0, 0, 0, 1]));
    const quotes = rnd() < 0.3;
    text += Array.from({ length: fields }, () => (quotes && rnd() < 0.4 ? pick(quoted) : pick(plain))).join(sep);
  }
  if (rnd() < 0.5) text += lineEnd();
  return text;
}

/** The text's UTF-8 bytes, in half the cases with one byte of the first "plain" cell made invalid UTF-8. */
function withInvalidUtf8(rnd: () => number, text: string): Uint8Array {
  const bytes = [...new TextEncoder().encode(text)];
  const at = text.indexOf('plain');
  if (at >= 0 && rnd() < 0.5) bytes.splice(bytes.length - new TextEncoder().encode(text.slice(at)).length, 1, [0x80, 0xd0, 0xff, 0xe2][Math.floor(rnd() * 4)]!);
  return Uint8Array.from(bytes);
}

describe('CSV parsing against a character-at-a-time reference', () => {
  it('gives the same columns and rows on random files', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const rnd = random(seed);
      const sep = [',', ';', '\t'][seed % 3]!;
      const text = randomCsv(rnd, sep);
      const sheet = parseCsvSheet('s', text);
      const expected = referenceRows(text, sep);
      expect({ columns: sheet.columns, rows: sheet.rows }, `seed ${seed}: ${JSON.stringify(text)}`).toEqual(expected);
      // From the file's bytes (read as Latin-1, changed cells decoded), also with invalid UTF-8 in a cell.
      const bytes = withInvalidUtf8(rnd, text);
      const fromFile = parseReportFile(zipSync({ 's.csv': bytes }), 1e7).sheets[0]!;
      const whole = parseCsvSheet('s', new TextDecoder().decode(bytes));
      expect({ columns: fromFile.columns, rows: fromFile.rows }, `seed ${seed}, from the file`).toEqual({ columns: whole.columns, rows: whole.rows });
    }
  });
});

function randomJsonBytes(rnd: () => number): Uint8Array {
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const texts = ['Доставлен покупателю', 'Склад магазина', 'Розы 🌹', 'plain', '', 'café', ' spaced  out ', 'x\u200by', 'Ünïcödé'];
  const keys = ['orderId', 'offerName', 'offerStatus', 'billingPrice', 'nested', ...(rnd() < 0.1 ? ['цена'] : [])];
  const rows = Array.from({ length: 1 + Math.floor(rnd() * 30) }, () => {
    const row: Record<string, unknown> = {};
    for (const k of keys) {
      if (rnd() < 0.1) continue;
      row[k] = k === 'billingPrice' ? Math.floor(rnd() * 1e6) / 100 : k === 'orderId' ? Math.floor(rnd() * 5) : k === 'nested' ? (rnd() < 0.5 ? { a: pick(texts) } : null) : pick(texts);
    }
    return row;
  });
  let text = JSON.stringify({ rows }, null, rnd() < 0.3 ? 1 : undefined);
  // A \u escape in some files: such files are decoded whole.
  if (rnd() < 0.2) text = text.replace('Розы', '\\u0420озы');
  // Invalid UTF-8 inside a string: a lone continuation byte, a cut sequence before the closing quote.
  return Uint8Array.from([...(rnd() < 0.2 ? [0xef, 0xbb, 0xbf] : []), ...withInvalidUtf8(rnd, text)]);
}

describe('JSON reading as Latin-1 against decoding the whole file', () => {
  it('gives the same sheets on random files', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const bytes = randomJsonBytes(random(seed));
      const { sheets } = parseReportFile(zipSync({ 'orders.json': bytes }), 1e7);
      const whole = parseJsonSheet('orders', new TextDecoder().decode(bytes));
      expect({ columns: sheets[0]!.columns, rows: sheets[0]!.rows }, `seed ${seed}`).toEqual({ columns: whole.columns, rows: whole.rows });
      // Same key order too: the rows are what the report's resource shows.
      expect(JSON.stringify(sheets[0]!.rows), `seed ${seed}`).toBe(JSON.stringify(whole.rows));
    }
  });
});
