import type { KubernetesObject, V1Condition } from '@kubernetes/client-node';

/**
 * The shapes of the two custom resources as the operator reads and writes them (DESIGN.md §7).
 * The CRD schemas in crds/ are the contract; these types name only the fields the operator uses.
 */
export const GROUP = 'eksnodelog.io';
export const VERSION = 'v1alpha1';
export const NLC_PLURAL = 'nodelogcollections';
export const PCAP_PLURAL = 'packetcaptures';

export type Phase = 'Pending' | 'Collecting' | 'Ingesting' | 'Completed' | 'Failed';
export type Method = 'auto' | 'agent' | 'job' | 'ssm';
export const TERMINAL: ReadonlySet<string> = new Set(['Completed', 'Failed']);

export interface CommonStatus {
  phase?: Phase;
  observedGeneration?: number;
  conditions?: V1Condition[];
  method?: Exclude<Method, 'auto'>;
  nodeName?: string;
  instanceId?: string;
  region?: string;
  startTime?: string;
  completionTime?: string;
  message?: string;
  attempts?: number;
}

export interface NodeLogCollection extends KubernetesObject {
  spec: {
    nodeName?: string;
    instanceId?: string;
    method?: Method;
    categories?: string[];
    since?: string;
    incidentTime?: string;
    paddingMinutes?: number;
    ttlSecondsAfterFinished?: number;
  };
  status?: CommonStatus & {
    ssmExecutionId?: string;
    bundle?: { id?: string; uri?: string; sizeBytes?: number; files?: number };
    findings?: { critical?: number; high?: number; warning?: number; info?: number; total?: number };
  };
}

export interface PacketCapture extends KubernetesObject {
  spec: {
    nodeName?: string;
    podRef?: { namespace: string; name: string };
    interface?: string;
    filter?: string;
    durationSeconds?: number;
    maxPackets?: number;
    maxBytes?: number;
    method?: Method;
    ttlSecondsAfterFinished?: number;
  };
  status?: CommonStatus & {
    ssmCommandId?: string;
    packets?: number;
    bytes?: number;
    captureId?: string;
    uri?: string;
  };
}

export type CollectionResource = NodeLogCollection | PacketCapture;

export const keyOf = (o: KubernetesObject) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
export function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return { namespace: key.slice(0, i), name: key.slice(i + 1) };
}
