import { mkdtemp, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { SeveritySummary } from '../core/findings/finding.js';
import { ingestBundle } from '../core/ingest/ingest-bundle.js';
import type { CompiledCatalog } from '../core/rules/compiled-catalog.js';
import type { BundleStore } from '../core/store/bundle-store.js';
import { writeBundleArchive } from './bundle-writer.js';
import { collectNode, type CollectOptions } from './collect.js';
import type { CollectorManifest, SourceStatus } from './manifest.js';
import { localNodeName } from './window.js';

export interface LocalCollectOptions {
  store: BundleStore;
  catalog: CompiledCatalog;
  log: Logger;
  /** Base|Device|Networking|Runtime|System|All (default All) */
  categories?: readonly string[];
  /** journal window, ms back from now */
  sinceMs: number;
  /** default `/` */
  hostRoot?: string;
  /** default: this host's name */
  node?: string;
  /** where the staging tree and archive go (default the OS temp dir) */
  tmpDir?: string;
  now?: () => number;
  /** passed through to collectNode (deadline, caps, disk guard, IMDS, source table) */
  tuning?: Partial<Pick<CollectOptions, 'deadlineMs' | 'minFreeBytes' | 'commandTimeoutMs' | 'httpTimeoutMs' | 'maxBytes' | 'imdsBaseUrl' | 'imdsTimeoutMs' | 'sources' | 'privileged' | 'toolPath'>>;
}

export interface LocalCollectResult {
  node: string;
  bundleId: string;
  archiveBytes: number;
  privileged: boolean;
  platform: CollectorManifest['platform'];
  stoppedEarly: CollectorManifest['stoppedEarly'];
  sources: Record<SourceStatus, number>;
  /** the sources that did not fully succeed, and why */
  notCollected: { source: string; status: SourceStatus; reason: string }[];
  /** the sources the host refused for lack of privilege (run as root for these) */
  permissionDenied: string[];
  redactions: number;
  files: number;
  findings: SeveritySummary;
}

/**
 * Local mode (issue 5 item 5): collect this host, pack it as the agent would, and ingest the archive
 * into the store through the same core ingest as any hub upload: ingest reads the archive's
 * collector-manifest.json into the stored manifest (categories, window, failures, redactions).
 */
export async function collectLocal(o: LocalCollectOptions): Promise<LocalCollectResult> {
  const now = o.now ?? Date.now;
  const node = o.node ?? localNodeName(hostname());
  const tmp = await mkdtemp(join(o.tmpDir ?? tmpdir(), 'eks-nlm-collect-'));
  try {
    const stage = join(tmp, 'bundle');
    const started = now();
    const cm = await collectNode({
      ...o.tuning, hostRoot: o.hostRoot ?? '/', stagingDir: stage, node, method: 'local', categories: o.categories,
      sinceMs: started - o.sinceMs, exec: { inPod: false }, log: o.log, now,
    });
    const archive = join(tmp, `${node}.tar.gz`);
    const { bytes } = await writeBundleArchive(stage, archive, started);
    await rm(stage, { recursive: true, force: true });
    const result = await ingestBundle({ store: o.store, catalog: o.catalog, source: { kind: 'archive', path: archive }, node, method: 'local', now });
    const notCollected = cm.sources.filter((s) => s.status !== 'ok').map((s) => ({ source: s.id, status: s.status, reason: s.reason ?? s.status }));
    o.log.info({ node, bundleId: result.bundleId, bytes, ...cm.summary }, 'Collected this host');
    return {
      node: result.node, bundleId: result.bundleId, archiveBytes: bytes, privileged: cm.privileged, platform: cm.platform,
      stoppedEarly: cm.stoppedEarly, sources: cm.summary, notCollected,
      permissionDenied: notCollected.filter((n) => PERMISSION.test(n.reason)).map((n) => n.source),
      redactions: cm.redactions.reduce((n, r) => n + r.count, 0), files: result.manifest.files.length, findings: result.findings.summary,
    };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

const PERMISSION = /permission denied|operation not permitted|EACCES|EPERM|must be root|are not root/i;

