import { z } from 'zod';
import { defineTool, READ_ONLY } from '../tool-definition.js';
import { bundleIdField, nodeField } from './common-fields.js';
import { diagnostics, diagnosticsOutput } from './diagnostics-shared.js';

export const storageDiagnosticsTool = defineTool({
  name: 'storage_diagnostics',
  title: 'Storage diagnostics of a node',
  description:
    "Reports a node's disk, inode, filesystem, EBS/EFS and CSI problems from its bundle, and which storage state files it holds. " +
    'Use it for disk pressure, read-only filesystems, mount or attach failures and I/O errors.',
  inputSchema: {
    node: nodeField,
    bundleId: bundleIdField,
    limit: z.number().int().min(1).optional().describe('findings to return (default 50, at most 200; larger values are clamped)'),
  },
  outputSchema: diagnosticsOutput,
  annotations: READ_ONLY,
  handler: (a, deps) => diagnostics(deps, a.node, a.bundleId, ['storage'], ['storage/'], Math.min(a.limit ?? 50, 200)),
});
