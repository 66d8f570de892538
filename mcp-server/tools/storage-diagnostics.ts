import { defineTool, READ_ONLY } from '../tool-definition.js';
import { diagnostics, diagnosticsInput, diagnosticsOutput } from './diagnostics-shared.js';

export const storageDiagnosticsTool = defineTool({
  name: 'storage_diagnostics',
  title: 'Storage diagnostics of a node',
  description:
    "Reports a node's disk, inode, filesystem, EBS/EFS and CSI problems from its bundle: log findings plus structured checks (N- ids) over df, df -i, mounts and the kubelet eviction threshold, each check marked ok, problem or not-checked. " +
    'Use it for disk pressure, read-only filesystems, mount or attach failures and I/O errors.',
  inputSchema: diagnosticsInput,
  outputSchema: diagnosticsOutput,
  annotations: READ_ONLY,
  handler: (a, deps) => diagnostics(deps, a.node, a.bundleId, 'storage', ['storage'], ['storage/'], Math.min(a.limit ?? 50, 200)),
});
