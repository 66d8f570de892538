import type { Logger } from 'pino';
import type { z, ZodRawShape } from 'zod';
import type { CompiledCatalog } from '../core/rules/compiled-catalog.js';
import type { Caller } from './auth/caller.js';
import type { ClusterPort } from './cluster/cluster-port.js';
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
  /** local mode only: starts a packet capture on this host (wired by the CLI to collector/capture); unset elsewhere */
  localCapture?: (req: LocalCaptureToolRequest) => Promise<{ captureId: string; endsBy: string }>;
  /** local mode only: collects this host into the store and ingests it (wired by the CLI to collector/local-collect); unset elsewhere */
  localCollector?: (req: LocalCollectToolRequest) => Promise<{ node: string; bundleId: string }>;
  /** in-cluster HTTP: the authenticated user of this request (label/annotate what they create); unset locally */
  caller?: Caller;
  /** in-cluster: the custom resources and Nodes (collect, batch_collect, tcpdump_capture create; status, history, cluster_health read); unset locally */
  cluster?: ClusterPort;
}

/** What collect with node `local` asks the local collector for. */
export interface LocalCollectToolRequest {
  /** Base|Device|Networking|Runtime|System|All */
  categories?: string[];
  /** journal window, ms back from now */
  sinceMs: number;
}

/** What tcpdump_capture asks the local capture runner for; validation happens there, before anything runs. */
export interface LocalCaptureToolRequest {
  /** the pod's network namespace (looked up on this host), else the host's */
  pod?: { namespace: string; name: string };
  iface?: string;
  filter?: string;
  durationSeconds: number;
  maxPackets?: number;
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
