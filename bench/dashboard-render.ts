import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { launchChromium, openHost } from '../test/helpers/browser.js';
import type { Bench } from './types.js';

/**
 * First render of the dashboard for a year of days (365 bars) in headless Chromium, fed through the
 * extension's AppBridge with the demo's get_sales_aggregation answer: from the tool-result notification
 * reaching the view to the DOM built (script) and to the next frame (layout and paint). Target ≤ 200 ms.
 */

const MAIN = new URL('../src/main.js', import.meta.url).pathname;
const HTML = new URL('../app/dashboard.html', import.meta.url);
const RUNS = 7;

function isoDay(offset: number): string {
  return new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
}

async function yearOfDays(): Promise<{ args: Record<string, unknown>; structured: unknown }> {
  const args = { date_from: isoDay(-366), date_to: isoDay(-2), interval: 'day', response_format: 'detailed' };
  const { stdout } = await promisify(execFile)(process.execPath, [MAIN, 'call', 'get_sales_aggregation', JSON.stringify(args), '--json', '--demo'], {
    maxBuffer: 64 * 1024 * 1024,
  });
  return { args, structured: JSON.parse(stdout) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const bench: Bench = {
  name: 'dashboard-render',
  about: 'dashboard first render of a year of days in headless Chromium (ms, median of 7 fresh pages)',
  async run() {
    const html = readFileSync(HTML, 'utf8');
    const { args, structured } = await yearOfDays();
    const result = { content: [{ type: 'text', text: '' }], structuredContent: structured };
    const browser = await launchChromium();
    const script: number[] = [];
    const paint: number[] = [];
    let bars = 0;
    try {
      for (let i = 0; i < RUNS; i++) {
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
    return {
      html_kb: (Buffer.byteLength(html) / 1024).toFixed(1),
      bars,
      script_ms_median: median(script).toFixed(1),
      first_frame_ms_median: median(paint).toFixed(1),
      first_frame_ms_max: Math.max(...paint).toFixed(1),
      target_ms: 200,
    };
  },
};

export default bench;
