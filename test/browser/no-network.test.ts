import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath, launchChromium, openHost, type Chromium } from '../helpers/browser.js';

/**
 * The dashboard tests assert "no network requests" by listing what the page tried to load. That list is only
 * worth something if it sees every kind of load an app could make, so here the app frame makes each kind on
 * purpose and every one must be listed (and none may succeed).
 */

/**
 * The page globals the canary code below uses, typed here: it runs in the page, and a DOM lib for the whole
 * test typecheck would let Node-side code use browser globals unnoticed.
 */
interface PageElement {
  src?: string;
  rel?: string;
  href?: string;
  textContent: string | null;
  addEventListener(type: 'load' | 'error', listener: () => void): void;
}
type Handler = (() => void) | null;
interface PageGlobals {
  document: { createElement(tag: string): PageElement; body: { append(...nodes: PageElement[]): void }; fonts: { ready: Promise<unknown> } };
  navigator: { sendBeacon(url: string, data: string): boolean };
  fetch(url: string): Promise<unknown>;
  XMLHttpRequest: new () => { open(method: string, url: string): void; send(): void; onload: Handler; onerror: Handler };
  WebSocket: new (url: string) => { onopen: Handler; onerror: Handler; onclose: Handler };
}

const browser = chromiumPath();

describe.skipIf(!browser)('the browser tests see every network request the app makes', () => {
  let chromium: Chromium;
  beforeAll(async () => {
    chromium = await launchChromium();
  });
  afterAll(async () => {
    await chromium?.close();
  });

  it('image, stylesheet, script, font, fetch, XHR, beacon, WebSocket and nested frame are all recorded and fail', async () => {
    const html = readFileSync(new URL('../../dist/app/dashboard.html', import.meta.url), 'utf8');
    const h = await openHost(chromium, html);
    try {
      const outcomes = await h.app.evaluate(async () => {
        const page = globalThis as unknown as PageGlobals;
        const { document, navigator } = page;
        const base = 'http://127.0.0.1:9';
        const loaded = (el: PageElement) =>
          new Promise<string>((resolve) => {
            el.addEventListener('load', () => resolve('loaded'));
            el.addEventListener('error', () => resolve('failed'));
            setTimeout(() => resolve('timeout'), 3000);
          });
        const img = Object.assign(document.createElement('img'), { src: `${base}/canary-img.png` });
        const css = Object.assign(document.createElement('link'), { rel: 'stylesheet', href: `${base}/canary-style.css` });
        const js = Object.assign(document.createElement('script'), { src: `${base}/canary-script.js` });
        const font = document.createElement('style');
        font.textContent = `@font-face { font-family: canary; src: url(${base}/canary-font.woff2); } body { font-family: canary; }`;
        const frame = Object.assign(document.createElement('iframe'), { src: `${base}/canary-frame.html` });
        const waits = [img, css, js].map(loaded);
        document.body.append(img, css, js, font, frame);
        const fetched = page.fetch(`${base}/canary-fetch`).then(() => 'loaded', () => 'failed');
        const xhr = new Promise<string>((resolve) => {
          const r = new page.XMLHttpRequest();
          r.open('GET', `${base}/canary-xhr`);
          r.onload = () => resolve('loaded');
          r.onerror = () => resolve('failed');
          r.send();
        });
        navigator.sendBeacon(`${base}/canary-beacon`, 'x');
        const socket = new Promise<string>((resolve) => {
          const ws = new page.WebSocket('ws://127.0.0.1:9/canary-ws');
          ws.onopen = () => resolve('loaded');
          ws.onerror = () => resolve('failed');
          ws.onclose = () => resolve('failed');
          setTimeout(() => resolve('timeout'), 3000);
        });
        // Let the font load be attempted: fonts load lazily, when text uses them.
        document.body.append(Object.assign(document.createElement('span'), { textContent: 'canary' }));
        await document.fonts.ready;
        return Promise.all([...waits, fetched, xhr, socket]);
      });
      expect(outcomes.filter((o) => o === 'loaded')).toEqual([]);
      await expect
        .poll(() => h.requests.map((u) => /canary-[a-z]+/.exec(u)?.[0]).filter(Boolean).sort())
        .toEqual(['canary-beacon', 'canary-fetch', 'canary-font', 'canary-frame', 'canary-img', 'canary-script', 'canary-style', 'canary-ws', 'canary-xhr']);
    } finally {
      await h.close();
    }
  }, 30_000);
});
