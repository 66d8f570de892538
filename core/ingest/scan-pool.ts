import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { CompiledCatalog } from '../rules/compiled-catalog.js';
import { enrichHit, type EnrichedHit } from './enrich-hit.js';
import { LineScanner, type ScanSummary } from './line-scanner.js';
import type { FromWorker, ToWorker } from './scan-worker.js';

/** Where one file's bytes go to be scanned: in this thread or in the scan worker. */
export interface ScanSink {
  push(chunk: Buffer): void;
  end(): Promise<ScanSummary>;
}

export interface Scanning {
  open(path: string, maxLineBytes: number, referenceMs: number, onHit: (h: EnrichedHit) => void): ScanSink;
  /** true while the scanner is far enough behind that producers should wait */
  readonly saturated: boolean;
  capacity(): Promise<void>;
  close(): Promise<void>;
}

/** Scans in the calling thread: small inputs, and tests of the pipeline without a worker. */
export function inlineScanning(catalog: CompiledCatalog): Scanning {
  return {
    open: (path, maxLineBytes, referenceMs, onHit) => {
      const s = new LineScanner(catalog, path, (h) => onHit(enrichHit(h, referenceMs)), { maxLineBytes });
      return { push: (c) => s.push(c), end: async () => s.end() };
    },
    saturated: false,
    capacity: async () => undefined,
    close: async () => undefined,
  };
}

const MAX_INFLIGHT = 8 * 1024 * 1024;

/**
 * Scans in one worker thread, so that on a 2-core node the automaton, timestamp parsing and
 * message templating run beside tar parsing, hashing and writes instead of after them. Bytes are copied to the worker (the original chunk is
 * still being written to the store) and at most 8 MiB are in flight: back-pressure, bounded memory.
 * Hits come back per chunk in file order, so findings stay deterministic.
 */
export class WorkerScanning implements Scanning {
  private readonly worker: Worker;
  private inflight = 0;
  private nextId = 1;
  private waiters: (() => void)[] = [];
  private readonly files = new Map<number, { onHit: (h: EnrichedHit) => void; done: (s: ScanSummary) => void; fail: (e: Error) => void }>();
  private failure?: Error;

  constructor(catalog: CompiledCatalog) {
    this.worker = new Worker(workerScript(), { workerData: { specs: catalog.rules.map((r) => r.spec) } });
    this.worker.on('message', (m: FromWorker) => this.onMessage(m));
    this.worker.on('error', (e) => this.fail(e));
    this.worker.on('exit', (code) => {
      if (code !== 0) this.fail(new Error(`scan worker exited with code ${code}`));
    });
  }

  get saturated(): boolean {
    return this.inflight > MAX_INFLIGHT;
  }

  capacity(): Promise<void> {
    if (!this.saturated || this.failure) return Promise.resolve();
    return new Promise((r) => this.waiters.push(r));
  }

  open(path: string, maxLineBytes: number, referenceMs: number, onHit: (h: EnrichedHit) => void): ScanSink {
    const id = this.nextId++;
    let done!: (s: ScanSummary) => void;
    let fail!: (e: Error) => void;
    const finished = new Promise<ScanSummary>((res, rej) => {
      done = res;
      fail = rej;
    });
    finished.catch(() => undefined);
    this.files.set(id, { onHit, done, fail });
    this.post({ t: 'open', id, path, maxLineBytes, referenceMs });
    return {
      push: (chunk) => {
        const copy = new Uint8Array(chunk.length);
        copy.set(chunk);
        this.inflight += copy.length;
        this.post({ t: 'data', id, buf: copy }, [copy.buffer]);
      },
      end: () => {
        this.post({ t: 'end', id });
        return finished;
      },
    };
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }

  private post(m: ToWorker, transfer?: ArrayBuffer[]): void {
    if (this.failure) throw this.failure;
    this.worker.postMessage(m, transfer);
  }

  private onMessage(m: FromWorker): void {
    if (m.t === 'ack') {
      this.inflight -= m.bytes;
      if (!this.saturated) for (const w of this.waiters.splice(0)) w();
    } else if (m.t === 'hits') {
      const f = this.files.get(m.id);
      if (f) for (const h of m.hits) f.onHit(h);
    } else {
      this.files.get(m.id)?.done(m.summary);
      this.files.delete(m.id);
    }
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const f of this.files.values()) f.fail(e);
    this.files.clear();
    for (const w of this.waiters.splice(0)) w();
  }
}

/**
 * The compiled worker script. Under the test runner this module is TypeScript source, which a
 * worker thread cannot load, so the build output (scripts/bootstrap.sh runs tsc first) is used.
 */
function workerScript(): URL {
  const sibling = new URL('./scan-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(sibling))) return sibling;
  const built = new URL('../../dist/core/ingest/scan-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(built))) return built;
  throw new Error('scan worker script not found: run `bash scripts/bootstrap.sh` (it builds dist/)');
}
