import { z } from 'zod';
import { defineTool, READ_ONLY } from '../tool-definition.js';
import { bundleIdField, nodeField } from './common-fields.js';
import { diagnostics, diagnosticsOutput } from './diagnostics-shared.js';

export const networkDiagnosticsTool = defineTool({
  name: 'network_diagnostics',
  title: 'Network diagnostics of a node',
  description:
    "Reports a node's networking and DNS problems (VPC CNI/IPAMD, kube-proxy, iptables, conntrack, DNS) from its bundle, and which network state files it holds. " +
    'Use it when pods cannot get IPs, services or DNS fail, or connections time out.',
  inputSchema: {
    node: nodeField,
    bundleId: bundleIdField,
    limit: z.number().int().min(1).optional().describe('findings to return (default 50, at most 200; larger values are clamped)'),
  },
  outputSchema: diagnosticsOutput,
  annotations: READ_ONLY,
  handler: (a, deps) => diagnostics(deps, a.node, a.bundleId, ['networking', 'dns'], ['networking/', 'ipamd/', 'cni/', 'var_log/aws-routed-eni/'], Math.min(a.limit ?? 50, 200)),
});
