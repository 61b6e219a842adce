import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { strToU8, unzipSync, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMarketSim, type MarketSim } from '../../src/sim/market/index.js';
import { parseReportFile, ReportFileError } from '../../src/sources/market/report-file.js';
import { connectStdio, textOf, type StdioSession } from '../helpers/mcp.js';

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

describe('a damaged report file from Market, through the server', () => {
  let sim: MarketSim;
  let intact: Uint8Array;
  const sessions: StdioSession[] = [];
  const report = { type: 'united-orders', date_from: '2026-10-01', date_to: '2026-10-31' };
  const isFile = (r: { path: string }) => r.path.startsWith('/files/');

  /** A fresh server each time: a report it has read once is answered from memory. */
  async function awaitReport(): Promise<{ isError: boolean; text: string; sc: Record<string, any> | undefined }> {
    const s = await connectStdio({ env: { ...sim.env, MARKET_GENERATE_ORDERS_INTERVAL_MS: '10', HTTP_BACKOFF_MS: '50' } });
    sessions.push(s);
    const r = await s.client.callTool({ name: 'await_market_report', arguments: { report, max_wait_seconds: 20 } }, CallToolResultSchema, { timeout: 30_000 });
    return { isError: !!r.isError, text: textOf(r), sc: r.structuredContent as Record<string, any> | undefined };
  }

  beforeAll(async () => {
    sim = await startMarketSim({ generationMs: 200, clock: Date.now });
    sim.settings.quotas['generate.united-orders'] = { limit: 100, windowMs: 60_000 };
    const first = await awaitReport();
    expect(first.isError, first.text).toBe(false);
    // The file exactly as the simulator serves it (its links need no Api-Key).
    const path = sim.server.requests.filter(isFile).at(-1)!.path;
    intact = new Uint8Array(await (await fetch(`${sim.url}${path}`)).arrayBuffer());
  }, 60_000);
  afterAll(async () => {
    await Promise.all(sessions.map((s) => s.close().catch(() => undefined)));
    await sim?.close();
  });

  const serveOnce = (body: Uint8Array) =>
    sim.server.inject({ kind: 'status', status: 200, headers: { 'content-type': 'application/zip' }, body: Buffer.from(body) }, { match: isFile });

  it('a flipped bit in a digit (stored, so it would unpack to other figures) is an error, never figures', async () => {
    const zip = zipSync(unzipSync(intact), { level: 0 });
    // A digit of a cell well inside the first sheet: XOR 1 turns it into another digit.
    let at = dataStart(zip) + 200;
    while (zip[at]! < 0x30 || zip[at]! > 0x39) at++;
    zip[at] = zip[at]! ^ 0x01;
    serveOnce(zip);
    const r = await awaitReport();
    expect(r.isError, r.text).toBe(true);
    expect(r.text).toMatch(/could not be read: .*CRC-32/);
    expect(r.sc?.orders).toBeUndefined();
  });

  it('a file cut short is an error, not part of the rows', async () => {
    serveOnce(intact.subarray(0, Math.floor(intact.length * 0.6)));
    const r = await awaitReport();
    expect(r.isError, r.text).toBe(true);
    expect(r.text).toMatch(/could not be read/);
  });

  it('the intact file still reads', async () => {
    const r = await awaitReport();
    expect(r.isError, r.text).toBe(false);
    expect(r.sc?.ready).toBe(true);
  });
});
