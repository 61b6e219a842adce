import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { CHROMIUM_MISSING, chromiumPath, launchChromium, openHost } from '../test/helpers/browser.js';
import { row, type Bench } from './types.js';

/**
 * First render of the dashboard for a year of days (365 bars) in headless Chromium, fed through the
 * extension's AppBridge with the demo's get_sales_aggregation answer: from the tool-result notification
 * reaching the view to the DOM built (script) and to the next frame (layout and paint). Target ≤ 200 ms.
 */

const MAIN = new URL('../src/main.js', import.meta.url).pathname;
const HTML = new URL('../app/dashboard.html', import.meta.url);
const ID = 'dashboard-render';

function isoDay(offset: number): string {
  return new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
}

async function yearOfDays(): Promise<{ args: Record<string, unknown>; structured: unknown }> {
  const args = { date_from: isoDay(-366), date_to: isoDay(-2), interval: 'day', precision: 'shifts', response_format: 'detailed' };
  const { stdout } = await promisify(execFile)(process.execPath, [MAIN, 'call', 'get_sales_aggregation', JSON.stringify(args), '--json', '--demo'], {
    maxBuffer: 64 * 1024 * 1024,
  });
  return { args, structured: JSON.parse(stdout) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const bench: Bench = {
  id: ID,
  about: 'dashboard first render of a year of days in headless Chromium (ms, median of 7 fresh pages)',
  async run({ smoke }) {
    if (!chromiumPath()) return [row(ID, 'first frame, median', `not available (${CHROMIUM_MISSING})`, '≤ 200 ms')];
    const runs = smoke ? 1 : 7;
    const html = readFileSync(HTML, 'utf8');
    const { args, structured } = await yearOfDays();
    const result = { content: [{ type: 'text', text: '' }], structuredContent: structured };
    const browser = await launchChromium();
    const script: number[] = [];
    const paint: number[] = [];
    let bars = 0;
    try {
      for (let i = 0; i < runs; i++) {
        const host = await openHost(browser, html);
        await host.show(args, result);
        await host.app.waitForFunction('document.body.dataset.paintMs !== undefined');
        const times = await host.app.evaluate<[string, string]>('[document.body.dataset.renderMs, document.body.dataset.paintMs]');
        script.push(Number(times[0]));
        paint.push(Number(times[1]));
        bars = await host.app.locator('rect.bar').count();
        await host.close();
      }
    } finally {
      await browser.close();
    }
    const kb = Buffer.byteLength(html) / 1024;
    const frame = median(paint);
    return [
      row(ID, 'HTML size', `${kb.toFixed(1)} KB`, '≤ 150 KB', smoke ? null : kb <= 150),
      row(ID, 'bars drawn', bars, '365', smoke ? null : bars === 365),
      row(ID, 'script, median', `${median(script).toFixed(1)} ms`),
      row(ID, 'first frame, median', `${frame.toFixed(1)} ms`, '≤ 200 ms', smoke ? null : frame <= 200),
      row(ID, `first frame, worst of ${runs}`, `${Math.max(...paint).toFixed(1)} ms`),
    ];
  },
};

export default bench;
