import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import { compactTime } from '../bundle/bundle-id.js';
import type { Manifest } from '../bundle/manifest.js';
import type { FindingsIndex } from '../findings/finding.js';
import type { CompiledCatalog } from '../rules/compiled-catalog.js';
import type { BundleStore } from '../store/bundle-store.js';
import { readArchive } from './archive-reader.js';
import { BundleBuilder } from './bundle-builder.js';
import { newestMtime, readDirectory } from './dir-reader.js';
import { parseCollectorFolder, safeSegment } from './entry-path.js';
import { DEFAULT_LIMITS, IngestError, type IngestLimits } from './limits.js';
import { inlineScanning, type Scanning, WorkerScanning } from './scan-pool.js';

export type IngestSource =
  | { kind: 'archive'; path: string }
  | { kind: 'directory'; path: string }
  | { kind: 'stream'; stream: Readable; name: string; bundleId: string };

export interface IngestOptions {
  store: BundleStore;
  catalog: CompiledCatalog;
  source: IngestSource;
  /** node name; default: the instance id of an eks-log-collector.sh folder, else the source name */
  node?: string;
  method?: Manifest['method'];
  limits?: Partial<IngestLimits>;
  /** wall clock, injected so tests are deterministic */
  now?: () => number;
  onProgress?: (done: number, total: number | undefined) => void;
  /**
   * Scan in a worker thread instead of this one. Off by default: on a typical bundle it is no
   * faster (on 2 cores it costs ~9.5 s of CPU per GiB against ~7.8 s inline, with twice the kernel
   * time) and ~130 MiB more; it paid off when a chatty log made most lines hits (a CoreDNS query
   * log: 8.6 s against 10.4 s per GiB, measured before the four-chain scanner).
   */
  scanInWorker?: boolean;
}

export interface IngestResult {
  node: string;
  bundleId: string;
  manifest: Manifest;
  findings: FindingsIndex;
}

/**
 * Ingests one bundle in one streaming pass (DESIGN.md §3): archive -> entries -> store + scanner
 * -> manifest, findings, events, line index. Accepts eks-log-collector.sh archives (their single
 * top folder is stripped), our own archives, plain directories, and a stream from the hub.
 * On a corrupt archive everything read so far is kept as a `partial` bundle and the error says so.
 */
export async function ingestBundle(opts: IngestOptions): Promise<IngestResult> {
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const now = opts.now ?? Date.now;
  const src = opts.source;
  const name = src.kind === 'stream' ? src.name : basename(src.path);
  const folder = parseCollectorFolder(name.replace(/\.(tar\.gz|tgz|tar)$/, ''));

  let sourceSha: string | null = null;
  let sourceBytes = 0;
  let idHash: string;
  let refMs: number;
  if (src.kind === 'archive') {
    const st = await stat(src.path).catch(() => {
      throw new IngestError(`no such archive: ${src.path}`, 'not-found');
    });
    if (!st.isFile()) throw new IngestError(`not a file: ${src.path}`, 'not-found');
    sourceBytes = st.size;
    sourceSha = await sha256File(src.path);
    idHash = sourceSha;
    refMs = folder ? Date.parse(folder.collectedAt) : st.mtimeMs;
  } else if (src.kind === 'directory') {
    const st = await stat(src.path).catch(() => {
      throw new IngestError(`no such directory: ${src.path}`, 'not-found');
    });
    if (!st.isDirectory()) throw new IngestError(`not a directory: ${src.path}`, 'not-found');
    refMs = folder ? Date.parse(folder.collectedAt) : (await newestMtime(src.path)) || now();
    idHash = createHash('sha256').update(`${src.path}\u0000${refMs}`).digest('hex');
  } else {
    refMs = folder ? Date.parse(folder.collectedAt) : now();
    idHash = '';
  }

  const scanning = opts.scanInWorker === true ? new WorkerScanning(opts.catalog) : inlineScanning(opts.catalog);
  try {
    return await ingestWith(opts, scanning, { limits, now, src, name, folder, sourceSha, sourceBytes, idHash, refMs });
  } finally {
    await scanning.close();
  }
}

interface Prepared {
  limits: IngestLimits;
  now: () => number;
  src: IngestSource;
  name: string;
  folder: ReturnType<typeof parseCollectorFolder>;
  sourceSha: string | null;
  sourceBytes: number;
  idHash: string;
  refMs: number;
}

async function ingestWith(opts: IngestOptions, scanning: Scanning, p: Prepared): Promise<IngestResult> {
  const { limits, now, src, name, folder, sourceSha, idHash, refMs } = p;
  let { sourceBytes } = p;
  const builder = new BundleBuilder({
    store: opts.store, catalog: opts.catalog, scanning, limits,
    identify: (top) => {
      const f = top ?? folder;
      const ref = f ? Date.parse(f.collectedAt) : refMs;
      return {
        node: safeSegment(opts.node ?? f?.instanceId ?? name.replace(/\.(tar\.gz|tgz|tar)$/, '')),
        bundleId: src.kind === 'stream' ? safeSegment(src.bundleId) : `${compactTime(ref)}-${idHash.slice(0, 10)}`,
        referenceMs: ref,
        folder: f,
      };
    },
  });

  let error: IngestError | undefined;
  let format: Manifest['source']['format'] = 'directory';
  try {
    if (src.kind === 'directory') {
      await readDirectory(src.path, (h) => builder.entry(h));
    } else {
      const input = src.kind === 'archive' ? createReadStream(src.path, { highWaterMark: 1 << 20 }) : src.stream;
      const total = src.kind === 'archive' ? sourceBytes : undefined;
      const stats = await readArchive(input, (h) => builder.entry(h), limits, (n) => opts.onProgress?.(n, total));
      format = stats.format;
      sourceBytes = stats.compressedBytes;
    }
  } catch (err) {
    if (!(err instanceof IngestError)) throw err;
    if (err.kind === 'empty-archive' || err.kind === 'unsupported') throw err;
    error = err;
  }
  if (!error && builder.fileCount === 0) {
    throw new IngestError(`${name} holds no files: nothing to ingest`, 'empty-archive');
  }
  if (src.kind === 'archive') {
    // the raw archive is kept as received, so a partial ingest loses nothing
    await opts.store.put(builder.keys.archive, createReadStream(src.path));
  }
  const result = await builder.finish({
    now: now(),
    method: opts.method ?? 'import',
    source: { name, bytes: sourceBytes, sha256: sourceSha, format },
    error: error?.message,
  });
  if (error) throw new PartialIngestError(error, result);
  return result;
}

/** The archive broke mid-way: what was read is stored as a partial bundle, named in `result`. */
export class PartialIngestError extends IngestError {
  constructor(cause: IngestError, readonly result: IngestResult) {
    super(
      `${cause.message}; ${result.manifest.files.length} file(s) read before the error are kept as partial bundle ${result.node}/${result.bundleId}`,
      cause.kind,
    );
    this.name = 'PartialIngestError';
  }
}

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(c as Buffer);
  return h.digest('hex');
}

