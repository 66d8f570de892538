import type { V1Node } from '@kubernetes/client-node';
import type { ClusterNode } from './cluster-port.js';

/** Conditions that are bad when True (Ready is the one that is bad when not True). */
export const PRESSURE_CONDITIONS = ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'NetworkUnavailable'] as const;

/**
 * `aws:///<zone>/<instance-id>` → instance id and region (zone minus its letter; local zones such as
 * us-west-2-lax-1a → us-west-2). The operator has its own copy in operator/provider-id.ts: the two
 * processes share no code but core/ (DESIGN.md §2), and this is three lines.
 */
export function instanceOf(providerId: string | undefined): { instanceId: string; region: string } | undefined {
  const m = /^aws:\/\/\/([a-z]{2}(?:-[a-z]+)+-\d+)(?:-[a-z0-9]+)*[a-z]\/(i-[0-9a-f]{8,17})$/.exec(providerId ?? '');
  return m ? { region: m[1]!, instanceId: m[2]! } : undefined;
}

const iso = (d: Date | string | undefined): string | null => (d === undefined ? null : new Date(d).toISOString());

/** The health signals of a Node object, as cluster_health and batch_collect's filter read them. */
export function summarizeNode(n: V1Node): ClusterNode {
  const conds = n.status?.conditions ?? [];
  const ready = conds.find((c) => c.type === 'Ready');
  const inst = instanceOf(n.spec?.providerID);
  return {
    name: n.metadata?.name ?? '',
    labels: n.metadata?.labels ?? {},
    ready: ready?.status === 'True' ? true : ready?.status === 'False' ? false : null,
    pressure: PRESSURE_CONDITIONS.filter((t) => conds.some((c) => c.type === t && c.status === 'True')),
    kubeletVersion: n.status?.nodeInfo?.kubeletVersion || null,
    taints: (n.spec?.taints ?? []).map((t) => ({ key: t.key, ...(t.value ? { value: t.value } : {}), effect: t.effect })),
    unschedulable: n.spec?.unschedulable === true,
    createdAt: iso(n.metadata?.creationTimestamp),
    instanceId: inst?.instanceId ?? null,
    region: inst?.region ?? null,
  };
}
