import type { Permission } from './subject-access.js';

const READ_NLC: Permission = { verb: 'get', resource: 'nodelogcollections' };

/**
 * What each MCP tool needs on the custom resources (DESIGN.md §6): reading bundles is reading what
 * collections produced; starting work is creating the resource that asks for it. `null`: being
 * authenticated is enough (runbooks hold no cluster data). A tool missing here is refused to
 * everyone (fail closed); tool-permissions.test.ts checks that every registered tool is listed.
 */
export const TOOL_PERMISSIONS: Readonly<Record<string, Permission | null>> = {
  errors: READ_NLC,
  read: READ_NLC,
  search: READ_NLC,
  correlate: READ_NLC,
  artifact: READ_NLC,
  summarize: READ_NLC,
  history: READ_NLC,
  status: READ_NLC,
  validate: READ_NLC,
  quick_triage: READ_NLC,
  cluster_health: READ_NLC,
  compare_nodes: READ_NLC,
  batch_status: READ_NLC,
  network_diagnostics: READ_NLC,
  storage_diagnostics: READ_NLC,
  collect: { verb: 'create', resource: 'nodelogcollections' },
  batch_collect: { verb: 'create', resource: 'nodelogcollections' },
  tcpdump_capture: { verb: 'create', resource: 'packetcaptures' },
  tcpdump_analyze: { verb: 'get', resource: 'packetcaptures' },
  list_sops: null,
  get_sop: null,
};

/** Resources: bundle files are collection output; runbooks need only authentication. */
export function resourcePermission(uri: string): Permission | null {
  return uri.startsWith('sop://') ? null : READ_NLC;
}
