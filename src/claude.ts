/**
 * `revenue-mcp config claude`: a claude_desktop_config.json entry for this machine. Absolute paths (this
 * Node and this installed main.js) work where a bare `revenue-mcp` is not found: nvm's Node is not on the
 * desktop app's PATH, and on Windows npm's shims are `.cmd` files the app does not run.
 */

/** The variables a user fills in; each placeholder left in counts as unset, so a partly filled entry starts. */
export const CREDENTIAL_PLACEHOLDERS: Readonly<Record<string, string>> = {
  REVENUE_TZ: 'Europe/Moscow',
  LIFEPOS_TOKEN: '<LIFE POS bearer token, or set LIFEPOS_PHONE and LIFEPOS_PASSWORD instead>',
  LIFEPOS_ORG_GUID: '<optional: default organization guid>',
  OFD_TOKEN: '<Yandex OFD API token (cabinet: Integrations → API); or legacy OFD_YANDEX_KEY and OFD_KEY instead>',
  MARKET_API_KEY: '<Yandex Market Api-Key>',
  MARKET_BUSINESS_ID: '<optional: default business id>',
  MARKET_CAMPAIGN_ID: '<optional: default campaign id>',
  POSIFLORA_ACCOUNT: '<your account, as in https://ACCOUNT.posiflora.com>',
  POSIFLORA_USERNAME: '<Posiflora login>',
  POSIFLORA_PASSWORD: '<Posiflora password>',
};

export function claudeDesktopConfig(options: { demo: boolean; node: string; main: string }): string {
  const entry = options.demo
    ? { 'revenue-demo': { command: options.node, args: [options.main, '--demo'] } }
    : { revenue: { command: options.node, args: [options.main], env: CREDENTIAL_PLACEHOLDERS } };
  return `${JSON.stringify({ mcpServers: entry }, null, 2)}\n`;
}

/** Said on stderr beside the snippet: where it goes, and when the path it names will not last. */
export function claudeDesktopNotes(main: string): string {
  const lines = [
    'Paste this into claude_desktop_config.json (Claude Desktop: Settings → Developer → Edit Config;',
    'macOS: ~/Library/Application Support/Claude/, Windows: %APPDATA%\\Claude\\), merging it with any "mcpServers"',
    'already there. Replace the <…> placeholders of the sources you use; the rest are ignored. Restart Claude Desktop.',
  ];
  if (/[\\/]_npx[\\/]/.test(main)) {
    lines.push('Note: this main.js is in npx\'s cache, which npm may clean; install globally (npm i -g …) and run this again.');
  }
  return `${lines.join('\n')}\n`;
}
