import { type PacketCaptureSpecInput, parsePacketCaptureSpec } from '../../crds/types.js';
import type { ClusterPort } from '../cluster/cluster-port.js';
import { resourceName } from '../cluster/resource-names.js';
import type { ToolDeps } from '../tool-definition.js';
import { clusterCall, qualifiedId, requestedBy, specError } from './cluster-shared.js';

export interface CaptureArgs {
  node: string;
  pod?: { namespace: string; name: string };
  interface?: string;
  filter?: string;
  duration_seconds?: number;
  max_packets?: number;
}

/**
 * tcpdump_capture's cluster branch: one PacketCapture. A pod target is the pod's network namespace
 * (the operator finds its node), so `node` is then only the caller's note; the CRD allows exactly
 * one of nodeName and podRef. The spec is checked against the CRD rules first (a `;` in the filter,
 * a bad interface), so a refused capture creates nothing.
 */
export async function captureOnCluster(a: CaptureArgs, cluster: ClusterPort, deps: ToolDeps): Promise<{ captureId: string; phase: string }> {
  const spec: PacketCaptureSpecInput = {
    ...(a.pod ? { podRef: { namespace: a.pod.namespace, name: a.pod.name } } : { nodeName: a.node }),
    ...(a.interface ? { interface: a.interface } : {}),
    ...(a.filter ? { filter: a.filter } : {}),
    ...(a.duration_seconds ? { durationSeconds: a.duration_seconds } : {}),
    ...(a.max_packets ? { maxPackets: a.max_packets } : {}),
  };
  try {
    parsePacketCaptureSpec(spec);
  } catch (err) {
    specError(err, 'the packet capture');
  }
  const target = a.pod ? a.pod.name : a.node;
  const created = await clusterCall(cluster.createCapture({ name: resourceName(target, deps.now()), spec, requested: requestedBy('tcpdump_capture', deps) }));
  const captureId = qualifiedId(cluster, created.metadata.name);
  deps.log.info({ capture: captureId, node: a.node, pod: a.pod ? `${a.pod.namespace}/${a.pod.name}` : undefined }, 'Created PacketCapture');
  return { captureId, phase: created.status?.phase ?? 'Pending' };
}
