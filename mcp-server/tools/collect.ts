import { z } from 'zod';
import { defineTool, ToolError } from '../tool-definition.js';
import { collectOnCluster } from './cluster-shared.js';
import { notAvailable } from './not-available.js';

export const collectTool = defineTool({
  name: 'collect',
  title: 'Collect a bundle from a node',
  description:
    "Starts a collection of a node's diagnostics (logs, network, storage and system state) into a new bundle; node `local` means the host this server runs on. " +
    'Use it when history has no recent bundle for the node; follow it with status, then errors.',
  inputSchema: {
    node: z.string().min(1).max(253).describe('node name, EC2 instance id, or "local" for this host'),
    categories: z.array(z.enum(['Base', 'Device', 'Networking', 'Runtime', 'System', 'All'])).optional().describe('what to collect (default All), as the eks-node-monitoring-agent categories'),
    since: z.string().max(16).optional().describe('how far back journals go, e.g. 2h or 30m (default 24h)'),
    method: z.enum(['auto', 'agent', 'job', 'ssm']).optional().describe('how to reach the node (default auto)'),
  },
  outputSchema: {
    node: z.string(),
    collectionId: z.string().describe('follow it with status'),
    phase: z.string(),
  },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  handler: async (a, deps) => {
    if (a.node === 'local') {
      if (!deps.localCollector) notAvailable('collecting this host', 'this server was not started in local mode', 'run `eks-node-log-mcp collect` on the host (or import an eks-log-collector.sh archive with `eks-node-log-mcp import <archive>`), then call errors');
      const sinceMs = durationMs(a.since ?? '24h');
      if (sinceMs === undefined) throw new ToolError(`since ${JSON.stringify(a.since)} is not a duration: use e.g. 30m, 2h or 1d (at most 30d)`);
      // synchronous in local mode: the bundle is in the store when this returns, so status and errors can follow at once
      const r = await deps.localCollector({ categories: a.categories, sinceMs });
      return { node: r.node, collectionId: r.bundleId, phase: 'Completed' };
    }
    return deps.cluster
      ? collectOnCluster(a, deps.cluster, deps)
      : notAvailable(`collecting node ${a.node}`, 'cluster collection needs the operator and node agent, which this local server does not run', 'import an eks-log-collector.sh archive of the node (`eks-node-log-mcp import <archive>`), then call errors');
  },
});

/** `2h`, `30m`, `1h30m`, `1d` -> ms; the same grammar as the CLI's --since. */
function durationMs(t: string): number | undefined {
  if (!/^(\d{1,6}[smhd])+$/.test(t)) return undefined;
  const unit: Record<string, number> = { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7 };
  const ms = [...t.matchAll(/(\d+)([smhd])/g)].reduce((n, m) => n + Number(m[1]) * unit[m[2]!]!, 0);
  return ms > 0 && ms <= 30 * 8.64e7 ? ms : undefined;
}
