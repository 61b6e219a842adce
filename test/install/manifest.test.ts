import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES } from '../../src/config.js';

/** The MCPB manifest against package.json, the README's configuration table and `mcpb validate`. */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const read = (file: string) => readFileSync(`${ROOT}/${file}`, 'utf8');
const manifest = JSON.parse(read('manifest.json'));
const pkg = JSON.parse(read('package.json'));
const MCPB_CLI = `${ROOT}/node_modules/@anthropic-ai/mcpb/dist/cli/cli.js`;

describe('manifest.json (MCPB bundle)', () => {
  it('passes `mcpb validate`', () => {
    const out = execFileSync(process.execPath, [MCPB_CLI, 'validate', 'manifest.json'], { cwd: ROOT, encoding: 'utf8' });
    expect(out).toMatch(/validation passes/i);
  });

  it('has the version, name and licence of package.json', () => {
    expect(manifest.version).toBe(pkg.version);
    expect(manifest.name).toBe(pkg.name);
    expect(manifest.license).toBe(pkg.license);
  });

  it('starts the same entry point as the npm bin', () => {
    expect(manifest.server.entry_point).toBe(pkg.bin['revenue-mcp']);
    expect(manifest.server.mcp_config.args).toEqual([`\${__dirname}/${pkg.bin['revenue-mcp']}`]);
  });

  it('passes every user_config value as a documented env var, and every credential is one of them', () => {
    const env: Record<string, string> = manifest.server.mcp_config.env;
    const passed = Object.entries(env).map(([name, value]) => [name, /^\$\{user_config\.(\w+)\}$/.exec(value)?.[1]]);
    expect(passed.every(([, key]) => key !== undefined), JSON.stringify(env)).toBe(true);
    expect(passed.map(([, key]) => key).sort()).toEqual(Object.keys(manifest.user_config).sort());
    const readme = read('README.md');
    const configuration = readme.slice(readme.indexOf('## Configuration'));
    for (const [name] of passed) expect(configuration, `${name} is in README "Configuration"`).toMatch(new RegExp(`\`${name}[\`=]`));
    // Every credential the server reads (the HTTP transport's own token aside: a desktop bundle runs on stdio).
    const credentials = CONFIG_VARIABLES.filter((v) => /KEY|TOKEN|PASSWORD|PHONE|USERNAME/.test(v) && v !== 'MCP_HTTP_TOKEN');
    expect(credentials).toEqual(expect.arrayContaining(['OFD_TOKEN', 'OFD_YANDEX_KEY', 'MARKET_API_KEY', 'MARKET_OAUTH_TOKEN']));
    const settings = ['LIFEPOS_ORG_GUID', 'MARKET_BUSINESS_ID', 'MARKET_CAMPAIGN_ID', 'POSIFLORA_ACCOUNT', 'REVENUE_TZ'];
    expect(Object.keys(env)).toEqual(expect.arrayContaining([...credentials, ...settings]));
    for (const [name, key] of passed) {
      const option = manifest.user_config[key!];
      // Every source is optional: a shop fills in only the ones it uses.
      expect(option.required, name).toBe(false);
      expect(option.sensitive === true, `${name} sensitive`).toBe(credentials.includes(name!));
    }
  });
});
