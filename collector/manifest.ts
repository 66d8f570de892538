import type { CollectorManifestData, SOURCE_STATUSES } from '../core/bundle/collector-manifest.js';
import type { Category, Platform, Source } from './sources.js';

export { COLLECTOR_MANIFEST_PATH } from '../core/bundle/collector-manifest.js';

/** How one source went; every status but `ok` carries a reason (DESIGN.md §8: recorded, never fatal). */
export type SourceStatus = (typeof SOURCE_STATUSES)[number];

export interface SourceRecord {
  id: string;
  category: Category;
  kind: Source['kind'];
  status: SourceStatus;
  reason?: string;
  /** bundle paths written (a per-interface or directory source writes several) */
  outputs: string[];
  /** bytes read from the host, before redaction */
  bytes: number;
  ms: number;
  redactions: number;
}

/**
 * `collector-manifest.json` at the root of every archive we write: how the bundle was made. Ingest
 * reads it with core's schema (core/bundle/collector-manifest.ts); `_fitsCore` below stops the build
 * if what we write and what ingest accepts drift apart.
 */
export interface CollectorManifest {
  schema: 'eks-node-log-mcp/collector-manifest/v1';
  collector: { name: 'eks-node-log-mcp'; version: string };
  method: 'local' | 'agent' | 'job';
  node: string;
  platform: Platform;
  osPrettyName: string | null;
  categories: Category[];
  window: { since: string; until: string };
  startedAt: string;
  finishedAt: string;
  instanceId: string | null;
  region: string | null;
  availabilityZone: string | null;
  /** false when not root: many sources then fail with permission denied, and this says why */
  privileged: boolean;
  /** set when the collection stopped before the end of the table */
  stoppedEarly: { reason: 'deadline' | 'disk-space'; detail: string } | null;
  sources: SourceRecord[];
  /** per bundle file, summed over the sources that wrote it */
  redactions: { path: string; count: number }[];
  summary: Record<SourceStatus, number>;
}

const _fitsCore = (m: CollectorManifest): CollectorManifestData => m;
void _fitsCore;

export function summarizeSources(records: readonly SourceRecord[]): Record<SourceStatus, number> {
  const s: Record<SourceStatus, number> = { ok: 0, missing: 0, failed: 0, timeout: 0, truncated: 0, skipped: 0 };
  for (const r of records) s[r.status]++;
  return s;
}
