import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { parseReportFile, ReportFileError } from '../../src/sources/market/report-file.js';

/**
 * A damaged Market report file is an error, never figures: inflating alone checks neither CRC-32 nor
 * sizes, so a flipped bit or a cut file used to give wrong "exact" revenue or "ready, 0 sheets".
 */

const rows = Array.from({ length: 1000 }, (_, i) => `${i + 1};ORDER-${i + 1};${(i % 97) + 100}.50`).join('\n');
const CSV = `ORDER_ID;OFFER_NAME;PRICE\n${rows}\n`;
const stored = () => zipSync({ 'orders.csv': strToU8(CSV) }, { level: 0 });
const deflated = () => zipSync({ 'orders.csv': strToU8(CSV) }, { level: 6 });

/** Offset of the first byte of the first file's data (after its local header). */
function dataStart(zip: Uint8Array): number {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  return 30 + view.getUint16(26, true) + view.getUint16(28, true);
}

describe('report ZIP integrity', () => {
  it('reads an intact file (stored and deflated)', () => {
    for (const zip of [stored(), deflated()]) expect(parseReportFile(zip, 1e7).sheets[0]!.rows).toHaveLength(1000);
  });

  it('a flipped bit in a digit fails the CRC-32 check', () => {
    const zip = stored();
    const at = dataStart(zip) + CSV.indexOf('100.50');
    zip[at] = zip[at]! ^ 0x08; // "1" → "9": 900.50 instead of 100.50
    expect(() => parseReportFile(zip, 1e7)).toThrow(ReportFileError);
    expect(() => parseReportFile(zip, 1e7)).toThrow(/CRC-32/);
  });

  it('a flipped bit in deflated data is an error too', () => {
    const zip = deflated();
    const at = dataStart(zip) + 40;
    zip[at] = zip[at]! ^ 0x10;
    expect(() => parseReportFile(zip, 1e7)).toThrow(ReportFileError);
  });

  it('a file whose unpacked size differs from the declared one is an error', () => {
    // Declare 1,000 rows' worth, hold half: rewrite the sizes in both headers and the data's end.
    const half = CSV.slice(0, Math.floor(CSV.length / 2));
    const zip = zipSync({ 'orders.csv': strToU8(half) }, { level: 0 });
    const view = new DataView(zip.buffer);
    const eocd = zip.length - 22;
    const central = view.getUint32(eocd + 16, true);
    view.setUint32(central + 24, CSV.length, true);
    expect(() => parseReportFile(zip, 1e7)).toThrow(/unpacks to \d+ bytes, not the \d+ it declares/);
  });

  it('a download cut short is an error, not half the rows', () => {
    const zip = deflated();
    for (const keep of [Math.floor(zip.length / 2), zip.length - 10]) {
      expect(() => parseReportFile(zip.subarray(0, keep), 1e7)).toThrow(ReportFileError);
    }
  });

  it('an archive with no sheet is an error, not "ready, 0 sheets"', () => {
    expect(() => parseReportFile(zipSync({}), 1e7)).toThrow(/no sheet/);
    expect(() => parseReportFile(zipSync({ 'readme.txt': strToU8('hi') }), 1e7)).toThrow(/no sheet/);
  });
});
