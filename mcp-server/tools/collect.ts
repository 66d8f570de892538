import { z } from 'zod';
import { defineTool } from '../tool-definition.js';
import { notAvailable } from './not-yet.js';

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
  handler: async (a) =>
    a.node === 'local'
      ? notAvailable('collecting this host', 'the node collector is not built yet', 'collect on the node with eks-log-collector.sh and run `eks-node-log-mcp import <archive>`; then call errors')
      : notAvailable(`collecting node ${a.node}`, 'cluster collection needs the operator and node agent, which this local server does not run', 'import an eks-log-collector.sh archive of the node (`eks-node-log-mcp import <archive>`), then call errors'),
});
