import { z } from 'zod';
import { sanitizeEntryPath } from '../ingest/entry-path.js';
import type { Manifest } from './manifest.js';

/**
 * `collector-manifest.json` at the root of every archive our collector writes: how the bundle was
 * made (categories, window, per-source status, redactions). The collector writes it; ingest reads it
 * here, wherever the archive came from (local mode, an agent or job upload through the hub), so the
 * shape lives in core and the collector's own type is checked against it at compile time.
 */
export const COLLECTOR_MANIFEST_PATH = 'collector-manifest.json';

/** The collector's manifest is JSON of ~100 source rows; beyond this it is not read (kept as a file). */
export const MAX_COLLECTOR_MANIFEST_BYTES = 4 * 1024 * 1024;

export const SOURCE_STATUSES = ['ok', 'missing', 'failed', 'timeout', 'truncated', 'skipped'] as const;

const Iso = z.string().max(40).refine((s) => Number.isFinite(Date.parse(s)), 'an ISO-8601 time');
const Text = (max: number) => z.string().max(max);
// the archive is not trusted: a path it names is only ever shown, and must look like a bundle path
const BundlePath = z.string().max(1000).refine((p) => {
  const c = sanitizeEntryPath(p);
  return c.ok && c.path === p;
}, 'a bundle-relative path');

const SourceRow = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/),
  category: Text(40),
  kind: z.enum(['file', 'command', 'http']),
  status: z.enum(SOURCE_STATUSES),
  reason: Text(4000).optional(),
  outputs: z.array(BundlePath).max(10_000),
  bytes: z.number().nonnegative(),
  ms: z.number().nonnegative(),
  redactions: z.number().int().nonnegative(),
});

export const CollectorManifestSchema = z.object({
  schema: z.literal('eks-node-log-mcp/collector-manifest/v1'),
  collector: z.object({ name: Text(100).min(1), version: Text(100) }),
  method: z.enum(['local', 'agent', 'job']),
  node: Text(253),
  platform: Text(40),
  osPrettyName: Text(200).nullable(),
  categories: z.array(z.string().regex(/^[A-Za-z]{1,40}$/)).max(16),
  window: z.object({ since: Iso, until: Iso }),
  startedAt: Iso,
  finishedAt: Iso,
  instanceId: Text(100).nullable(),
  region: Text(100).nullable(),
  availabilityZone: Text(100).nullable(),
  privileged: z.boolean(),
  stoppedEarly: z.object({ reason: z.enum(['deadline', 'disk-space']), detail: Text(1000) }).nullable(),
  sources: z.array(SourceRow).max(1000),
  redactions: z.array(z.object({ path: BundlePath, count: z.number().int().positive() })).max(100_000),
  summary: z.record(z.enum(SOURCE_STATUSES), z.number().int().nonnegative()),
});

/** What a valid collector-manifest.json holds (the collector's CollectorManifest must fit it). */
export type CollectorManifestData = z.infer<typeof CollectorManifestSchema>;

export type CollectorManifestRead = { ok: true; manifest: CollectorManifestData } | { ok: false; detail: string };

/** Parses the bytes of a collector-manifest.json; never throws: a bad one says why in `detail`. */
export function parseCollectorManifest(bytes: Buffer): CollectorManifestRead {
  if (bytes.length > MAX_COLLECTOR_MANIFEST_BYTES) return { ok: false, detail: `larger than ${MAX_COLLECTOR_MANIFEST_BYTES} bytes: not read` };
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    return { ok: false, detail: `not JSON: ${(err as Error).message.slice(0, 200)}` };
  }
  const r = CollectorManifestSchema.safeParse(json);
  // zod's messages name the field and the expected type, never the value received
  if (!r.success) return { ok: false, detail: `not a collector manifest: ${z.prettifyError(r.error).replace(/\s+/g, ' ').slice(0, 500)}` };
  return { ok: true, manifest: r.data };
}

/**
 * The stored manifest completed with what only the collector knows (DESIGN.md §3). The method stays
 * the ingest caller's (the hub knows how it asked for the bundle); facts read from the bundle's own
 * files win over the collector's copy of them.
 */
export function withCollectorAccount(m: Manifest, cm: CollectorManifestData): Manifest {
  return {
    ...m,
    instanceId: m.instanceId ?? cm.instanceId,
    region: m.region ?? cm.region,
    collectedAt: cm.startedAt,
    collector: { name: cm.collector.name, version: cm.collector.version },
    categories: [...cm.categories],
    window: { since: cm.window.since, until: cm.window.until },
    collectionFailures: cm.sources.filter((s) => s.status !== 'ok').map((s) => ({ source: s.id, reason: `${s.status}: ${s.reason ?? s.status}` })),
    redactions: cm.redactions.map((r) => ({ path: r.path, count: r.count })),
  };
}
