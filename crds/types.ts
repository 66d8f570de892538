import type { z } from 'zod';
import { nodeLogCollectionCrd } from './nodelogcollection-crd.js';
import { packetCaptureCrd } from './packetcapture-crd.js';
import type {
  NodeLogCollectionSpec, NodeLogCollectionSpecInput, NodeLogCollectionStatus, PacketCaptureSpec, PacketCaptureSpecInput,
  PacketCaptureStatus,
} from './types.gen.js';
import { zodFromSchema } from './zod-from-schema.js';

/**
 * What the operator and the MCP server import about the two custom resources: names, typed shapes
 * and spec parsers. Everything here derives from crds/*-crd.ts (the one source of truth).
 */

export * from './types.gen.js';
export { CATEGORY, GROUP, METHODS, PHASES, VERSION } from './schema-kit.js';
export { COLLECTION_CATEGORIES, DEFAULT_INCIDENT_PADDING, DEFAULT_SINCE } from './nodelogcollection-crd.js';
export { MAX_CAPTURE_SECONDS, MAX_FILTER_LENGTH } from './packetcapture-crd.js';
export { durationSeconds } from './duration.js';

export const API_VERSION = `${nodeLogCollectionCrd.group}/${nodeLogCollectionCrd.version}` as const;

export const NODE_LOG_COLLECTION = {
  kind: 'NodeLogCollection',
  plural: nodeLogCollectionCrd.plural,
  singular: nodeLogCollectionCrd.singular,
  shortName: 'nlc',
} as const;

export const PACKET_CAPTURE = {
  kind: 'PacketCapture',
  plural: packetCaptureCrd.plural,
  singular: packetCaptureCrd.singular,
  shortName: 'pcap',
} as const;

export type Phase = NonNullable<NodeLogCollectionStatus['phase']>;
export type Method = NodeLogCollectionSpec['method'];
export type CollectionCategory = NodeLogCollectionSpec['categories'][number];

/** The metadata fields the project reads or writes; the API server returns more. */
export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: Array<{ apiVersion: string; kind: string; name: string; uid: string; controller?: boolean; blockOwnerDeletion?: boolean }>;
}

export interface NodeLogCollection {
  apiVersion: typeof API_VERSION;
  kind: 'NodeLogCollection';
  metadata: ObjectMeta;
  spec: NodeLogCollectionSpec;
  status?: NodeLogCollectionStatus;
}

export interface PacketCapture {
  apiVersion: typeof API_VERSION;
  kind: 'PacketCapture';
  metadata: ObjectMeta;
  spec: PacketCaptureSpec;
  status?: PacketCaptureStatus;
}

/** zod schema of a NodeLogCollection spec: admits what the API server admits, with its defaults applied. */
export const nodeLogCollectionSpecSchema = zodFromSchema(nodeLogCollectionCrd.spec) as z.ZodType<NodeLogCollectionSpec, NodeLogCollectionSpecInput>;
/** zod schema of a PacketCapture spec: admits what the API server admits, with its defaults applied. */
export const packetCaptureSpecSchema = zodFromSchema(packetCaptureCrd.spec) as z.ZodType<PacketCaptureSpec, PacketCaptureSpecInput>;

/** Parses and defaults a NodeLogCollection spec; throws a ZodError naming each broken rule. */
export function parseNodeLogCollectionSpec(input: unknown): NodeLogCollectionSpec {
  return nodeLogCollectionSpecSchema.parse(input);
}

/** Parses and defaults a PacketCapture spec; throws a ZodError naming each broken rule. */
export function parsePacketCaptureSpec(input: unknown): PacketCaptureSpec {
  return packetCaptureSpecSchema.parse(input);
}
