/** Server instructions: the investigation workflow an agent should follow (sent at initialize). */
export const INSTRUCTIONS = `EKS Node Log MCP serves the OS-level evidence of Kubernetes worker nodes: kubelet, containerd,
VPC CNI/IPAMD, kernel, iptables, routes, sysctls and storage state, indexed once into findings with stable ids.

Workflow:
1. Find the bundle: history (which nodes and bundles exist) or cluster_health (which nodes are worst).
   A bundle comes from collect (in a cluster) or from \`eks-node-log-mcp import <archive>\` (locally).
2. Triage: quick_triage for the top hypothesis, or errors with severity "critical"/"high" for findings
   (F-NNN ids). Every tool takes node (node name or instance id) and optionally bundleId (default: newest).
3. Dig: search (regex, S-NNN hit ids) and read (line or byte ranges of one file) for the raw lines;
   correlate for the time-ordered cross-file timeline and root-cause chains; network_diagnostics and
   storage_diagnostics for node state; compare_nodes against a healthy node.
4. Act: list_sops / get_sop for the runbook of the finding codes.
5. Report: summarize with the F-/S-/N-/P- ids you relied on. It resolves every id against the bundle and
   lists the ones it could not resolve: only state what resolved ids show.

Times are UTC. Time-bounded tools take start_time+end_time, or incident_time (± window_minutes, default 5);
without either they use the 24 h before the bundle was collected, and say how many items fell outside.`;
