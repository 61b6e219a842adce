// `npm run build` step: bundle app/main.ts with esbuild and inline the script and styles into one HTML file,
// dist/app/dashboard.html, that the server serves as ui://revenue/dashboard. Nothing is fetched at run time.
import { build } from 'esbuild';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const out = here('../dist/app/dashboard.html');

const bundle = await build({
  entryPoints: [here('main.ts')],
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2022',
  platform: 'browser',
  write: false,
  legalComments: 'none',
});
const css = await build({ entryPoints: [here('style.css')], bundle: true, minify: true, write: false, loader: { '.css': 'css' } });
const template = await readFile(here('index.html'), 'utf8');
// "</script" inside the bundle would end the inline script early.
const script = bundle.outputFiles[0].text.replace(/<\/script/gi, '<\\/script');
const html = template.replace('/*STYLE*/', () => css.outputFiles[0].text.trim()).replace('/*SCRIPT*/', () => script.trim());
await mkdir(here('../dist/app'), { recursive: true });
await writeFile(out, html);
// stderr: `npm pack --json` runs this in prepare, and its stdout must stay JSON.
console.error(`app: dist/app/dashboard.html ${(Buffer.byteLength(html) / 1024).toFixed(1)} KB`);
