import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { UpstreamError } from './http/errors.js';
import { log } from './log.js';
import { MoneyParseError } from './money.js';
import { PeriodError } from './period.js';
import { ShutdownError } from './runtime.js';
import { redact } from './secret.js';
import { ToolInputError } from './tool.js';
import { UNTRUSTED_NOTE } from './untrusted.js';

/** Quotes in an upstream failure hold the upstream's words (src/untrusted.ts): say they are data. */
const withUntrustedNote = (message: string) => (message.includes('"') ? `${message}\n${UNTRUSTED_NOTE}` : message);

/** A tool failure as the model should read it: what failed, why, and what to do. Never a stack trace. */
export function errorText(err: unknown, toolName: string): string {
  if (err instanceof ShutdownError) return err.message;
  if (err instanceof ToolInputError || err instanceof PeriodError) return `Invalid input, ${err.field}: ${err.message}`;
  if (err instanceof UpstreamError) {
    if (err.code === 'aborted') return `${toolName} was cancelled before it finished; nothing was changed.`;
    return withUntrustedNote(err.message);
  }
  if (err instanceof MoneyParseError) {
    return withUntrustedNote(`An upstream sent an amount that could not be read exactly (${err.message}); no figures were produced rather than a wrong one.`);
  }
  log('error', `${toolName} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  const message = err instanceof Error ? err.message : String(err);
  return `${toolName} failed unexpectedly: ${message}. The server is still running; if this repeats, report it with the input used.`;
}

export function errorResult(err: unknown, toolName: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text: redact(errorText(err, toolName)) }] };
}
