import type { Logger } from 'pino';
import type { z, ZodRawShape } from 'zod';
import type { CompiledCatalog } from '../core/rules/compiled-catalog.js';
import type { BundleStore } from '../core/store/bundle-store.js';

/** What every tool handler gets (STYLE.md 3: handlers get their dependencies, never build clients). */
export interface ToolDeps {
  store: BundleStore;
  catalog: CompiledCatalog;
  /** wall clock in ms, injected so tests are deterministic */
  now: () => number;
  log: Logger;
  /** directory of the runbooks (sops/*.md) */
  sopsDir: string;
}

export interface ToolAnnotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

/**
 * One MCP tool: one file under mcp-server/tools/ exporting this, registered by one loop
 * (server.ts). Descriptions: first sentence what, second when. Every schema field `.describe()`d.
 */
export interface ToolDefinition<I extends ZodRawShape = ZodRawShape, O extends ZodRawShape = ZodRawShape> {
  name: string;
  title: string;
  description: string;
  inputSchema: I;
  outputSchema: O;
  annotations: ToolAnnotations;
  handler: (args: z.infer<z.ZodObject<I>>, deps: ToolDeps) => Promise<z.infer<z.ZodObject<O>>>;
}

/** Builds a definition with its types checked against its own schemas. */
export function defineTool<I extends ZodRawShape, O extends ZodRawShape>(d: ToolDefinition<I, O>): ToolDefinition<I, O> {
  return d;
}

/**
 * The caller can fix this (STYLE.md 7): it becomes a tool result with isError and this message,
 * which must say what to do next. Anything else thrown is a bug: logged, and answered generically.
 */
export class ToolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolError';
  }
}

export const READ_ONLY: ToolAnnotations = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };
