import { AsyncLocalStorage } from 'node:async_hooks';
import { redact } from './secret.js';

/** Logs go to stderr only: stdout belongs to the stdio transport. */
export type LogLevel = 'debug' | 'info' | 'warning' | 'error';
const order: Record<LogLevel, number> = { debug: 0, info: 1, warning: 2, error: 3 };

type Sink = (level: LogLevel, message: string) => void;
let threshold: LogLevel = 'info';

/**
 * While a tool call runs, its MCP session is the sink for log lines (as `notifications/message`), so
 * retries and rate-limit waits deep in the HTTP layer reach the client that caused them.
 */
const callSink = new AsyncLocalStorage<Sink>();

export function withLogSink<T>(sink: Sink, fn: () => T): T {
  return callSink.run(sink, fn);
}

export function setLogLevel(level: LogLevel): void {
  threshold = level;
}

export function log(level: LogLevel, message: string): void {
  if (order[level] < order[threshold]) return;
  const text = redact(message);
  process.stderr.write(`${new Date().toISOString()} ${level.toUpperCase()} ${text}\n`);
  try {
    callSink.getStore()?.(level, text);
  } catch {
    // a broken sink must never break the caller
  }
}
