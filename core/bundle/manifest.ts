import type { Coverage } from '../findings/finding.js';
import type { SkipReason } from '../ingest/entry-path.js';

export interface ManifestFile {
  path: string;
  size: number;
  sha256: string;
  lines: number | null;
  firstTimestamp: string | null;
  lastTimestamp: string | null;
  kind: 'text' | 'binary' | 'gzip-text';
  /** decompressed size, for `.gz` members scanned through gunzip */
  uncompressedSize?: number;
  overlongLines?: number;
}

export interface SkippedEntry {
  path: string;
  reason: SkipReason;
  size?: number;
  detail?: string;
}

/** DESIGN.md §3: what is in the bundle and how it was made. */
export interface Manifest {
  schema: 'eks-node-log-mcp/manifest/v1';
  bundleId: string;
  node: string;
  instanceId: string | null;
  region: string | null;
  cluster: string | null;
  collectedAt: string;
  ingestedAt: string;
  status: 'complete' | 'partial';
  error?: string;
  collector: { name: string; version: string | null };
  rulesVersion: string;
  method: 'import' | 'agent' | 'job' | 'ssm' | 'local';
  categories: string[];
  window: { since: string | null; until: string | null } | null;
  source: { name: string; bytes: number; sha256: string | null; format: 'tar.gz' | 'tar' | 'directory' };
  files: ManifestFile[];
  skipped: SkippedEntry[];
  collectionFailures: { source: string; reason: string }[];
  redactions: { path: string; count: number }[];
  coverage: Coverage;
}
