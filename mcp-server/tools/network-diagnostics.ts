import { defineTool, READ_ONLY } from '../tool-definition.js';
import { diagnostics, diagnosticsInput, diagnosticsOutput } from './diagnostics-shared.js';

export const networkDiagnosticsTool = defineTool({
  name: 'network_diagnostics',
  title: 'Network diagnostics of a node',
  description:
    "Reports a node's networking and DNS problems from its bundle: log findings plus structured checks (N- ids) over iptables-save, routes, ip rules, conntrack, sysctls, IPAMD state, CNI MTU, ENA counters and resolv.conf, each check marked ok, problem or not-checked. " +
    'Use it when pods cannot get IPs, services or DNS fail, or connections time out.',
  inputSchema: diagnosticsInput,
  outputSchema: diagnosticsOutput,
  annotations: READ_ONLY,
  handler: (a, deps) => diagnostics(deps, a.node, a.bundleId, 'network', ['networking', 'dns'], ['networking/', 'ipamd/', 'cni/', 'var_log/aws-routed-eni/'], Math.min(a.limit ?? 50, 200)),
});
