import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createGzip } from 'node:zlib';
import { COLLECTOR_MANIFEST_PATH, type CollectorManifestData, MAX_COLLECTOR_MANIFEST_BYTES, parseCollectorManifest, withCollectorAccount } from '../bundle/collector-manifest.js';
import type { Manifest, ManifestFile, SkippedEntry } from '../bundle/manifest.js';
import { FindingAggregator, summarize } from '../findings/aggregate.js';
import type { Coverage, FindingsIndex } from '../findings/finding.js';
import type { CompiledCatalog } from '../rules/compiled-catalog.js';
import { bundleKeys, type BundleStore } from '../store/bundle-store.js';
import type { EntryHeader, EntrySink } from './archive-reader.js';
import { type CollectorFolder, parseCollectorFolder, sanitizeEntryPath } from './entry-path.js';
import { FileIngest } from './file-ingest.js';
import type { IngestLimits } from './limits.js';
import type { EnrichedHit } from './enrich-hit.js';
import type { ScanSummary } from './line-scanner.js';
import type { Scanning } from './scan-pool.js';
import { bootTimeFromDmesg, fileTimeRange } from './time-hints.js';

/**
 * events.jsonl.gz is written after the last entry, on the ingest's critical path: level 1 is
 * several times faster than the default 6 on this repetitive JSON, and large output chunks
 * save round trips to the libuv pool.
 */
const EVENTS_GZIP = { level: 1, chunkSize: 256 * 1024 };

/** Who the bundle is: decided at the first entry, because a top folder can name the node and time. */
export interface BundleIdentity {
  node: string;
  bundleId: string;
  referenceMs: number;
  folder: CollectorFolder | undefined;
}

export interface BuilderOptions {
  store: BundleStore;
  catalog: CompiledCatalog;
  scanning: Scanning;
  limits: IngestLimits;
  identify: (topFolder: CollectorFolder | undefined) => BundleIdentity;
}

const FILE_TYPES = new Set(['File', 'OldFile', 'ContiguousFile']);
const SMALL_FACTS = new Set(['system/instance-id.txt', 'system/region.txt', 'system/availability-zone.txt', 'system/cluster-name.txt']);

/** Everything one ingest accumulates; turns entries into stored files and, at the end, the indexes. */
export class BundleBuilder {
  private id?: BundleIdentity;
  private k?: ReturnType<typeof bundleKeys>;
  private readonly files: ManifestFile[] = [];
  private readonly scans = new Map<string, ScanSummary>();
  private readonly skipped: SkippedEntry[] = [];
  private readonly seen = new Set<string>();
  private readonly aggregator: FindingAggregator;
  private readonly facts = new Map<string, string>();
  private collectorManifest?: CollectorManifestData;
  private entries = 0;
  private topFolder: string | undefined;
  private firstEntry = true;
  private eventsDir?: Promise<string>;
  private events?: WriteStream;
  private eventsPath?: string;
  private eventBatch: string[] = [];
  private eventBatchBytes = 0;

  constructor(private readonly o: BuilderOptions) {
    this.aggregator = new FindingAggregator(o.catalog);
  }

  /** Fixes node, bundle id and reference time; called at the first entry or, for an empty read, at the end. */
  identity(topFolder?: CollectorFolder): BundleIdentity {
    if (!this.id) {
      this.id = this.o.identify(topFolder);
      this.k = bundleKeys(this.id.node, this.id.bundleId);
    }
    return this.id;
  }

  get keys(): ReturnType<typeof bundleKeys> {
    this.identity();
    return this.k!;
  }

  get fileCount(): number {
    return this.files.length + this.pendingFiles;
  }
  private pendingFiles = 0;

  entry(h: EntryHeader): EntrySink | undefined {
    this.entries++;
    let raw = h.rawPath;
    if (this.firstEntry) {
      this.firstEntry = false;
      const top = raw.replace(/^\.\//, '').split('/')[0] ?? '';
      const folder = parseCollectorFolder(top);
      if (folder) this.topFolder = top;
      this.identity(folder);
    }
    raw = raw.replace(/^\.\//, '');
    if (this.topFolder && (raw === this.topFolder || raw.startsWith(`${this.topFolder}/`))) raw = raw.slice(this.topFolder.length + 1);
    if (h.type === 'Directory') return undefined;
    if (raw === '' || raw === this.topFolder) return this.skip({ path: h.rawPath.slice(0, 300), reason: 'empty-path', detail: h.type });
    const checked = sanitizeEntryPath(raw);
    const shown = raw.slice(0, 300);
    if (!checked.ok) return this.skip({ path: shown, reason: checked.reason, size: h.size });
    const path = checked.path;
    if (h.type === 'SymbolicLink') return this.skip({ path, reason: 'symlink' });
    if (h.type === 'Link') return this.skip({ path, reason: 'hardlink' });
    if (!FILE_TYPES.has(h.type)) return this.skip({ path, reason: 'device-or-special', detail: h.type });
    if (this.seen.has(path)) return this.skip({ path, reason: 'duplicate-entry', size: h.size, detail: 'the first copy was kept' });
    if (this.entries > this.o.limits.maxEntries) return this.skip({ path, reason: 'entry-limit', size: h.size });
    if (h.size > this.o.limits.maxFileBytes) return this.skip({ path, reason: 'file-too-large', size: h.size });
    this.seen.add(path);
    return this.fileSink(path);
  }

  private skip(s: SkippedEntry): undefined {
    this.skipped.push(s);
    return undefined;
  }

  private fileSink(path: string): EntrySink {
    this.pendingFiles++;
    const fi = new FileIngest(this.o.store, this.keys.file(path), path, this.o.scanning, (hit) => this.onHit(path, hit), this.identity().referenceMs, this.o.limits.maxLineBytes);
    const capture = SMALL_FACTS.has(path) ? [] as Buffer[] : undefined;
    const account = path === COLLECTOR_MANIFEST_PATH ? { chunks: [] as Buffer[], bytes: 0 } : undefined;
    return {
      write: (c) => {
        if (capture && c.length < 4096) capture.push(c);
        if (account) {
          // bounded: past the cap nothing more is held, and the size alone says why it was not read
          account.bytes += c.length;
          if (account.bytes <= MAX_COLLECTOR_MANIFEST_BYTES) account.chunks.push(c);
        }
        return fi.write(c);
      },
      drain: () => fi.drain(),
      abort: (e) => fi.abort(e),
      end: async () => {
        const r = await fi.end();
        this.pendingFiles--;
        this.files.push(r.file);
        if (r.scan) this.scans.set(path, r.scan);
        if (fi.gunzipFailure) this.skipped.push({ path, reason: 'device-or-special', detail: `kept but not scanned: gzip error ${fi.gunzipFailure}` });
        if (capture) this.facts.set(path, Buffer.concat(capture).toString('utf8').trim().slice(0, 200));
        if (account) this.readCollectorManifest(account.bytes > MAX_COLLECTOR_MANIFEST_BYTES ? account.bytes : Buffer.concat(account.chunks));
      },
    };
  }

  /** Our collector's account of the bundle; a bad one is recorded and ignored, never fatal. */
  private readCollectorManifest(body: Buffer | number): void {
    const r = typeof body === 'number'
      ? { ok: false as const, detail: `${body} bytes, larger than ${MAX_COLLECTOR_MANIFEST_BYTES}: not read` }
      : parseCollectorManifest(body);
    if (r.ok) this.collectorManifest = r.manifest;
    else this.skipped.push({ path: COLLECTOR_MANIFEST_PATH, reason: 'invalid-collector-manifest', detail: `kept as a file, its account not used: ${r.detail}` });
  }

  private onHit(path: string, hit: EnrichedHit): void {
    const { ms, mono, template } = hit;
    for (const rule of hit.rules) {
      const k = this.aggregator.add({ rule, path, line: hit.line, offset: hit.offset, text: hit.text, ms, mono, template });
      // spool format: key, ms, mono, then the record's own JSON (finding id and time are added at the end)
      this.writeEvent(`${k}\t${ms ?? ''}\t${mono ?? ''}\t${JSON.stringify({ path, line: hit.line, offset: hit.offset, text: hit.text.slice(0, 500) })}`);
    }
  }

  private writeEvent(e: string): void {
    // batched: one small fs write per event would queue on the libuv pool ahead of gunzip
    this.eventBatch.push(e);
    this.eventBatchBytes += 200;
    if (this.eventBatchBytes >= 1 << 20) this.flushEvents();
  }

  private flushEvents(): void {
    if (this.eventBatch.length === 0) return;
    if (!this.events) {
      this.eventsPath = join(tmpdir(), `nlm-events-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.jsonl`);
      this.events = createWriteStream(this.eventsPath);
    }
    this.events.write(`${this.eventBatch.join('\n')}\n`);
    this.eventBatch = [];
    this.eventBatchBytes = 0;
  }

  async finish(x: { now: number; method: Manifest['method']; source: Manifest['source']; error?: string }): Promise<{ node: string; bundleId: string; manifest: Manifest; findings: FindingsIndex }> {
    void this.eventsDir;
    const files = [...this.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const bootMs = bootTimeFromDmesg(this.scans, this.identity().referenceMs);
    for (const f of files) {
      const scan = this.scans.get(f.path);
      if (!scan) continue;
      const r = fileTimeRange(scan, { referenceMs: this.identity().referenceMs, ...(bootMs !== undefined ? { bootMs } : {}) });
      f.firstTimestamp = r.first;
      f.lastTimestamp = r.last;
    }
    const { findings, idOfKey } = this.aggregator.finish(bootMs);
    const coverage = this.coverage(files);
    const index: FindingsIndex = {
      schema: 'eks-node-log-mcp/findings/v1', bundleId: this.identity().bundleId, node: this.identity().node,
      rulesVersion: this.o.catalog.version, summary: summarize(findings), coverage, findings,
    };
    await this.writeEvents(idOfKey, bootMs);
    const lineIndex: Record<string, [number, number][]> = {};
    for (const [p, s] of this.scans) if (s.lineIndex.length > 1) lineIndex[p] = s.lineIndex;
    const read: Manifest = {
      schema: 'eks-node-log-mcp/manifest/v1', bundleId: this.identity().bundleId, node: this.identity().node,
      instanceId: this.identity().folder?.instanceId ?? this.facts.get('system/instance-id.txt') ?? null,
      region: this.facts.get('system/region.txt') ?? null,
      cluster: this.facts.get('system/cluster-name.txt') ?? null,
      collectedAt: new Date(this.identity().referenceMs).toISOString(), ingestedAt: new Date(x.now).toISOString(),
      status: x.error ? 'partial' : 'complete', ...(x.error ? { error: x.error } : {}),
      collector: this.identity().folder ? { name: 'eks-log-collector.sh', version: this.identity().folder!.collectorVersion } : { name: 'unknown', version: null },
      rulesVersion: this.o.catalog.version, method: x.method, categories: [], window: null, source: x.source,
      files, skipped: this.skipped, collectionFailures: [], redactions: [], coverage,
    };
    const manifest = this.collectorManifest ? withCollectorAccount(read, this.collectorManifest) : read;
    await this.o.store.put(this.keys.findings, `${JSON.stringify(index, null, 1)}\n`);
    await this.o.store.put(this.keys.lineIndex, JSON.stringify(lineIndex));
    await this.o.store.put(this.keys.manifest, `${JSON.stringify(manifest, null, 1)}\n`);
    return { node: this.identity().node, bundleId: this.identity().bundleId, manifest, findings: index };
  }

  private coverage(files: ManifestFile[]): Coverage {
    const c: Coverage = { bytesScanned: 0, bytesTotal: 0, filesScanned: 0, filesSkipped: this.skipped.length, binaryFiles: 0, binaryBytes: 0 };
    for (const f of files) {
      if (f.kind === 'binary') {
        c.binaryFiles++;
        c.binaryBytes += f.size;
        continue;
      }
      const scanned = this.scans.get(f.path)?.bytes ?? 0;
      c.bytesScanned += scanned;
      c.bytesTotal += f.uncompressedSize ?? f.size;
      c.filesScanned++;
    }
    for (const s of this.skipped) if (s.reason === 'file-too-large' || s.reason === 'entry-limit') c.bytesTotal += s.size ?? 0;
    return c;
  }

  /** Rewrites the spooled events with their finding ids and wall times, gzipped into the store. */
  private async writeEvents(idOfKey: Map<number, string>, bootMs: number | undefined): Promise<void> {
    const gz = createGzip(EVENTS_GZIP);
    const body = new PassThrough();
    gz.pipe(body);
    const put = this.o.store.put(this.keys.events, body);
    this.flushEvents();
    if (this.events && this.eventsPath) {
      await new Promise<void>((res, rej) => this.events!.end((e?: Error | null) => (e ? rej(e) : res())));
      // one 1 MiB piece of the spool at a time: its lines rewritten synchronously, then one write
      // into gzip (every write is a round trip to the libuv pool)
      const rewrite = (line: string) => {
        const t1 = line.indexOf('\t');
        const t2 = line.indexOf('\t', t1 + 1);
        const t3 = line.indexOf('\t', t2 + 1);
        const msText = line.slice(t1 + 1, t2);
        const monoText = line.slice(t2 + 1, t3);
        const ms = msText ? Number(msText) : monoText && bootMs !== undefined ? bootMs + Number(monoText) * 1000 : undefined;
        const t = ms === undefined ? 'null' : `"${new Date(ms).toISOString()}"`;
        return `{"t":${t},"finding":"${idOfKey.get(Number(line.slice(0, t1)))}",${line.slice(t3 + 2)}\n`;
      };
      let rest = '';
      for await (const chunk of createReadStream(this.eventsPath, { highWaterMark: 1 << 20, encoding: 'utf8' })) {
        const text = rest + (chunk as string);
        const out: string[] = [];
        let from = 0;
        for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', from)) {
          if (nl > from) out.push(rewrite(text.slice(from, nl)));
          from = nl + 1;
        }
        rest = text.slice(from);
        if (out.length && !gz.write(out.join(''))) await new Promise((r) => gz.once('drain', r));
      }
      if (rest) gz.write(rewrite(rest));
      await rm(this.eventsPath, { force: true });
    }
    gz.end();
    await put;
  }
}
