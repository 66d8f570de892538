import type { KubernetesObject } from '@kubernetes/client-node';
import {
  GROUP, NODE_LOG_COLLECTION, type NodeLogCollectionSpec, type NodeLogCollectionStatus, PACKET_CAPTURE,
  type PacketCaptureSpec, type PacketCaptureStatus, VERSION,
} from '../crds/types.js';

/** The two custom resources as the operator reads and writes them; their shapes come from crds/. */
export { GROUP, VERSION };
export type { Phase, Method } from '../crds/types.js';
export const NLC_PLURAL = NODE_LOG_COLLECTION.plural;
export const PCAP_PLURAL = PACKET_CAPTURE.plural;
export const TERMINAL: ReadonlySet<string> = new Set(['Completed', 'Failed']);

export interface NodeLogCollection extends KubernetesObject {
  spec: Partial<NodeLogCollectionSpec>;
  status?: NodeLogCollectionStatus;
}

export interface PacketCapture extends KubernetesObject {
  spec: Partial<PacketCaptureSpec>;
  status?: PacketCaptureStatus;
}

export type CollectionResource = NodeLogCollection | PacketCapture;

export const keyOf = (o: KubernetesObject) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
export function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return { namespace: key.slice(0, i), name: key.slice(i + 1) };
}
