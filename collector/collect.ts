import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { diskPressure } from './host/disk-guard.js';
import { type HostInterfaces, physicalInterfaces } from './host/interfaces.js';
import { detectPlatform } from './host/platform.js';
import type { ExecMode } from './host/run-command.js';
import { ImdsClient } from './http-get.js';
import { COLLECTOR_MANIFEST_PATH, type CollectorManifest, type SourceRecord, summarizeSources } from './manifest.js';
import { redactText } from './redact.js';
import { isDiskFull, type Outcome, runSource, type SourceContext } from './run-source.js';
import { loadSources, resolveCategories, selectSources, type Source } from './sources.js';

export const COLLECTOR_VERSION = '0.1.0';

export interface CollectOptions {
  /** where the host's filesystem is mounted: `/` in local mode, e.g. `/host` in a pod */
  hostRoot: string;
  /** an empty directory the bundle tree is staged in */
  stagingDir: string;
  node: string;
  method: CollectorManifest['method'];
  /** Base|Device|Networking|Runtime|System|All; empty = All */
  categories?: readonly string[];
  /** journals from here (epoch ms) */
  sinceMs: number;
  exec: ExecMode;
  log: Logger;
  now?: () => number;
  /** whole collection, ms (default 10 min) */
  deadlineMs?: number;
  /** stop collecting when the staging filesystem has less free (default 1 GiB) */
  minFreeBytes?: number;
  commandTimeoutMs?: number;
  httpTimeoutMs?: number;
  /** per output file (default 256 MiB; rows may set their own) */
  maxBytes?: number;
  imdsBaseUrl?: string;
  imdsTimeoutMs?: number;
  /** the table to use (tests); default collector/sources.yaml */
  sources?: readonly Source[];
  /** runs as root (default: process uid 0); without it sources fail with permission denied */
  privileged?: boolean;
  /**
   * Directories searched before the host PATH for every command row: tests point the real table at
   * stub tools with it. No composition root sets it (STYLE.md 11: nothing here reads process.env).
   */
  toolPath?: readonly string[];
}

export const COLLECT_DEFAULTS = {
  deadlineMs: 10 * 60_000,
  minFreeBytes: 1024 ** 3,
  commandTimeoutMs: 30_000,
  httpTimeoutMs: 3_000,
  maxBytes: 256 * 1024 ** 2,
  imdsBaseUrl: 'http://169.254.169.254',
  imdsTimeoutMs: 1_500,
};

/**
 * Collects one node into `stagingDir` in the eks-log-collector.sh layout, one source at a time in
 * table order, and writes collector-manifest.json beside it. Nothing a source does is fatal: each
 * ends as a record with a status and reason, an error no runner expected included. Stops early
 * (recording why) at the deadline, when the staging disk runs low, or when a write finds it full.
 */
export async function collectNode(o: CollectOptions): Promise<CollectorManifest> {
  const now = o.now ?? Date.now;
  const started = now();
  const categories = resolveCategories(o.categories);
  const { platform, prettyName } = await detectPlatform(o.hostRoot);
  const sources = selectSources(o.sources ?? loadSources(), categories, platform);
  await mkdir(o.stagingDir, { recursive: true });
  let ifaces: Promise<HostInterfaces> | undefined;
  const ctx: SourceContext = {
    hostRoot: o.hostRoot,
    stagingDir: o.stagingDir,
    exec: o.exec,
    ...(o.toolPath ? { toolPath: o.toolPath } : {}),
    window: { sinceMs: o.sinceMs, untilMs: started },
    deadline: started + (o.deadlineMs ?? COLLECT_DEFAULTS.deadlineMs),
    now,
    commandTimeoutMs: o.commandTimeoutMs ?? COLLECT_DEFAULTS.commandTimeoutMs,
    httpTimeoutMs: o.httpTimeoutMs ?? COLLECT_DEFAULTS.httpTimeoutMs,
    maxBytes: o.maxBytes ?? COLLECT_DEFAULTS.maxBytes,
    imds: new ImdsClient(o.imdsBaseUrl ?? COLLECT_DEFAULTS.imdsBaseUrl, o.imdsTimeoutMs ?? COLLECT_DEFAULTS.imdsTimeoutMs),
    interfaces: () => (ifaces ??= physicalInterfaces(o.hostRoot)),
    redactions: new Map(),
  };
  const minFree = o.minFreeBytes ?? COLLECT_DEFAULTS.minFreeBytes;
  const records: SourceRecord[] = [];
  let stoppedEarly: CollectorManifest['stoppedEarly'] = null;
  for (const s of sources) {
    const base = { id: s.id, category: s.category, kind: s.kind };
    if (!stoppedEarly && now() >= ctx.deadline) stoppedEarly = { reason: 'deadline', detail: `the ${Math.round((ctx.deadline - started) / 1000)} s collection deadline was reached` };
    if (!stoppedEarly) {
      const pressure = await diskPressure(o.stagingDir, minFree);
      if (pressure) stoppedEarly = { reason: 'disk-space', detail: pressure };
    }
    if (stoppedEarly) {
      records.push({ ...base, status: 'skipped', reason: stoppedEarly.detail, outputs: [], bytes: 0, ms: 0, redactions: 0 });
      continue;
    }
    const t0 = now();
    const { diskFull, ...r } = await runSource(s, ctx).catch((err: unknown) => unexpected(s.id, err, o.log));
    records.push({ ...base, ...r, ms: now() - t0 });
    o.log.debug({ source: s.id, status: r.status, bytes: r.bytes, ms: now() - t0 }, 'Collected source');
    // the free-space guard samples before each source; a write can still find the disk full (a
    // file bigger than the room left, another writer on the node): nothing later would fit either
    if (diskFull) stoppedEarly = { reason: 'disk-space', detail: `the staging disk under ${o.stagingDir} filled up while collecting ${s.id}` };
  }
  if (stoppedEarly) o.log.warn({ reason: stoppedEarly.reason, detail: stoppedEarly.detail }, 'Collection stopped early');
  const fact = async (rel: string) => {
    const text = await readFile(join(o.stagingDir, rel), 'utf8').catch(() => '');
    const v = text.trim().slice(0, 100);
    return /^[A-Za-z0-9._-]+$/.test(v) ? v : null;
  };
  const manifest: CollectorManifest = {
    schema: 'eks-node-log-mcp/collector-manifest/v1',
    collector: { name: 'eks-node-log-mcp', version: COLLECTOR_VERSION },
    method: o.method,
    node: o.node,
    platform,
    osPrettyName: prettyName,
    categories,
    window: { since: new Date(o.sinceMs).toISOString(), until: new Date(started).toISOString() },
    startedAt: new Date(started).toISOString(),
    finishedAt: new Date(now()).toISOString(),
    instanceId: await fact('system/instance-id.txt'),
    region: await fact('system/region.txt'),
    availabilityZone: await fact('system/availability-zone.txt'),
    privileged: o.privileged ?? process.getuid?.() === 0,
    stoppedEarly,
    sources: records,
    redactions: [...ctx.redactions].map(([path, count]) => ({ path, count })).sort((a, b) => (a.path < b.path ? -1 : 1)),
    summary: summarizeSources(records),
  };
  await writeFile(join(o.stagingDir, COLLECTOR_MANIFEST_PATH), `${JSON.stringify(manifest, null, 1)}\n`);
  return manifest;
}

/**
 * An error a source runner did not turn into a record (a bug, or an fs error nobody expected) fails
 * that source only (DESIGN.md §8); it is logged as the bug it may be, and its message is redacted
 * like any stderr before it reaches the manifest.
 */
function unexpected(id: string, err: unknown, log: Logger): Outcome {
  const e = err as NodeJS.ErrnoException;
  log.error({ source: id, err }, 'Source failed unexpectedly');
  const msg = e?.message ?? String(err);
  const code = e?.code ?? e?.name ?? 'Error';
  // fs errors already lead with their code ("EEXIST: file already exists, mkdir …")
  const why = redactText(msg.startsWith(code) ? msg : `${code}: ${msg}`).text.slice(0, 500);
  return { status: 'failed', reason: `unexpected error: ${why}`, outputs: [], bytes: 0, redactions: 0, ...(isDiskFull(e?.code) ? { diskFull: true as const } : {}) };
}
