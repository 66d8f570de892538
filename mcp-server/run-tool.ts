import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { UnknownBundleError } from '../core/query/bundle-ref.js';
import { WindowError } from '../core/query/time-window.js';
import { type ToolDefinition, type ToolDeps, ToolError } from './tool-definition.js';

/**
 * Runs one tool call through the two error channels (STYLE.md 7): what the caller can fix comes
 * back as an isError result with the message; anything else is a bug, logged with its stack and
 * answered without internals (no paths, keys or secrets in the reply).
 */
export async function runTool(tool: ToolDefinition, args: unknown, deps: ToolDeps): Promise<CallToolResult> {
  const t0 = performance.now();
  try {
    const out = (await tool.handler(args as never, deps)) as Record<string, unknown>;
    // `user`: in-cluster, who asked (the audit trail beside the API server's own)
    deps.log.debug({ tool: tool.name, user: deps.caller?.username, ms: Math.round(performance.now() - t0) }, 'Tool call');
    return { content: [{ type: 'text', text: JSON.stringify(out) }], structuredContent: out };
  } catch (err) {
    if (err instanceof ToolError || err instanceof UnknownBundleError || err instanceof WindowError) {
      deps.log.info({ tool: tool.name, reason: err.message }, 'Tool call refused');
      return { isError: true, content: [{ type: 'text', text: err.message }] };
    }
    deps.log.error({ tool: tool.name, err }, 'Tool call failed');
    return { isError: true, content: [{ type: 'text', text: `${tool.name} failed with an internal error (logged on the server); retry once, then report it` }] };
  }
}
