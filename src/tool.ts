import type { ResourceMetadata } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ReadResourceResult, Resource, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import type { SourceName } from './config.js';
import type { LogLevel } from './log.js';
import type { Runtime } from './runtime.js';
import { quoted } from './untrusted.js';

/**
 * The contract every module in tools/ fulfils. Input and output are plain `z.object`s at the root, so
 * the SDK publishes real JSON Schemas (a transform/union/pipe at the root publishes an empty one).
 */

export interface ToolContext {
  runtime: Runtime;
  /** Aborted when the client cancels the call or the connection goes away. */
  signal: AbortSignal;
  /** notifications/progress, sent only when the client asked for progress with a token. */
  progress(progress: number, total?: number, message?: string): Promise<void>;
  /** stderr, and notifications/message to the calling session. */
  log(level: LogLevel, message: string): void;
}

export interface ToolOutput<O> {
  /** Markdown for the reader: headline figures and comparisons first. */
  text: string;
  /** Compact, self-sufficient data matching the output schema. */
  structured: O;
  /** Optional resource_link content blocks after the text (e.g. a cached report a client can read). */
  links?: Array<{ uri: string; name: string; description?: string; mimeType?: string }>;
}

export interface ToolSpec<I extends z.ZodObject = z.ZodObject, O extends z.ZodObject = z.ZodObject> {
  name: string;
  title: string;
  description: string;
  input: I;
  output: O;
  annotations: ToolAnnotations;
  /** The upstream this tool reads; when it is not configured the call answers isError naming the env vars. */
  source?: SourceName;
  /** Listed whatever the selection (e.g. check_sources: most useful when nothing works yet). */
  alwaysListed?: boolean;
  run(args: z.infer<I>, ctx: ToolContext): Promise<ToolOutput<z.infer<O>>>;
  /** Resources offered with this tool (e.g. what its results link to), wherever the tool is listed. */
  resources?: ToolResource[];
}

/**
 * A resource that belongs with a tool. Declared rather than registered: a server lists it from the catalog
 * (src/catalog.ts) like the tool itself, and loads the tool's module only when a client lists or reads it.
 */
export interface ToolResource {
  name: string;
  /** The resource's URI; with `template`, an RFC 6570 URI template for a family of them (one per report, say). */
  uri: string;
  template?: boolean;
  metadata: ResourceMetadata;
  /** A template's resources that exist now, for resources/list. */
  list?(runtime: Runtime): Resource[];
  /** The contents; `variables` are the template's values taken from the URI. */
  read(uri: URL, variables: Record<string, string | string[]>, runtime: Runtime): Promise<ReadResourceResult>;
}

/** Identity, for type inference of a tool module's input and output. */
export function defineTool<I extends z.ZodObject, O extends z.ZodObject>(spec: ToolSpec<I, O>): ToolSpec<I, O> {
  return spec;
}

/** Bad input caught by a tool (beyond its schema), named by field with the fix. */
export class ToolInputError extends Error {
  override name = 'ToolInputError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A bad input value as quoted in an error: JSON-quoted and cut to `max` characters, so an error never
 * echoes a megabyte of input back.
 */
export function shownInput(raw: unknown, max = 80): string {
  const text = typeof raw === 'string' ? raw : JSON.stringify(raw) ?? String(raw);
  return text.length <= max ? quoted(text, max) : `${quoted(text.slice(0, max), max)}… (${text.length} characters)`;
}
