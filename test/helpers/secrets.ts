import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CONFIG_VARIABLES } from '../../src/config.js';

/**
 * The secrets sweep, reusable by every suite that drives the server (e2e, faults, fuzz): distinctive values
 * for every credential the server reads, and a scanner that finds any of them in any text — as is, and in
 * the forms they take when echoed through JSON, URLs or Basic auth.
 */

/** The credential variables of CONFIG_VARIABLES: what must never leave the process but to its own API. */
export const CREDENTIAL_VARIABLES: readonly string[] = CONFIG_VARIABLES.filter((v) => /KEY|TOKEN|PASSWORD|PHONE|USERNAME/.test(v));

/**
 * One distinctive value per credential. Each carries `"` or `\`, `/`, `+`, `=` or `%`, so that its
 * JSON-escaped and URL-encoded forms differ from the raw one and a redaction that knows only the raw form
 * is caught. (The phone is digits; its formats are listed in `secretForms`.)
 */
export const DISTINCTIVE_SECRETS: Readonly<Record<string, string>> = {
  LIFEPOS_TOKEN: 'lpTok"Qz7\\w/x+9=Kc1',
  LIFEPOS_PHONE: '+79995550173',
  LIFEPOS_PASSWORD: 'lpPw"Qz7\\w/+=%41',
  OFD_TOKEN: 'ofdTok"Qz7\\w/x+9=Kc2',
  OFD_YANDEX_KEY: 'ofdYk"Qz7\\w/x+9=Kc3',
  OFD_KEY: 'ofdK"Qz7\\w/x+9=Kc4',
  MARKET_API_KEY: 'ACMA:mktKey"Qz7\\w/x+9=Kc5',
  MARKET_OAUTH_TOKEN: 'y0_mktOauth"Qz7\\w/x+9=Kc6',
  POSIFLORA_USERNAME: 'pf.user"Qz7\\w+Kc7@example.test',
  POSIFLORA_PASSWORD: 'pfPw"Qz7\\w/x+9=%42',
  MCP_HTTP_TOKEN: 'mcpTok"Qz7\\w/x+9=Kc8-0123456789',
};

/** Every form in which `value` could be found in text the server produced. */
export function secretForms(value: string): string[] {
  const json = JSON.stringify(value).slice(1, -1);
  const forms = new Set([
    value,
    json,
    JSON.stringify(json).slice(1, -1),
    encodeURIComponent(value),
    new URLSearchParams({ v: value }).toString().slice(2),
    Buffer.from(value).toString('base64'),
  ]);
  // A phone number as digits only: how it is compared and easily printed.
  if (/^\+?[\d ()-]+$/.test(value)) forms.add(value.replace(/\D/g, ''));
  return [...forms].filter((f) => f.length >= 6);
}

export interface SecretHit {
  /** Where the text came from: "result of get_sale", "stderr", a file path … */
  where: string;
  /** The variable whose value was found. */
  secret: string;
  form: string;
  /** A little text around the hit, the secret itself masked. */
  context: string;
}

export interface ScannedText {
  where: string;
  text: string;
}

/** Every occurrence of any secret (in any form) in the given texts. */
export function scanForSecrets(texts: readonly ScannedText[], secrets: Readonly<Record<string, string>> = DISTINCTIVE_SECRETS): SecretHit[] {
  const hits: SecretHit[] = [];
  for (const [name, value] of Object.entries(secrets)) {
    for (const form of secretForms(value)) {
      for (const { where, text } of texts) {
        const at = text.indexOf(form);
        if (at < 0) continue;
        const context = `${text.slice(Math.max(0, at - 60), at)}<${name}>${text.slice(at + form.length, at + form.length + 60)}`;
        hits.push({ where, secret: name, form: form === value ? 'raw' : form, context });
      }
    }
  }
  return hits;
}

/** Every file under `dir` (recursively) as text, for scanning caches and snapshots; none when it is absent. */
export function filesUnder(dir: string): ScannedText[] {
  if (!existsSync(dir)) return [];
  const out: ScannedText[] = [];
  const walk = (path: string) => {
    if (statSync(path).isDirectory()) {
      for (const entry of readdirSync(path)) if (entry !== 'node_modules') walk(join(path, entry));
    } else out.push({ where: relative(dir, path) || path, text: readFileSync(path).toString('latin1') + readFileSync(path, 'utf8') });
  };
  walk(dir);
  return out;
}

/** A collector for a suite: add what the server produced, then ask for hits once at the end. */
export class SecretSweep {
  readonly texts: ScannedText[] = [];
  constructor(readonly secrets: Readonly<Record<string, string>> = DISTINCTIVE_SECRETS) {}

  add(where: string, value: unknown): void {
    this.texts.push({ where, text: typeof value === 'string' ? value : JSON.stringify(value) ?? String(value) });
  }

  addFiles(label: string, dir: string): number {
    const files = filesUnder(dir);
    for (const f of files) this.texts.push({ where: `${label}/${f.where}`, text: f.text });
    return files.length;
  }

  hits(): SecretHit[] {
    return scanForSecrets(this.texts, this.secrets);
  }

  /** Characters scanned, to show the sweep looked at something. */
  get size(): number {
    return this.texts.reduce((n, t) => n + t.text.length, 0);
  }
}
