import { createHash, type Hash } from 'node:crypto';
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { createGunzip, type Gunzip } from 'node:zlib';
import type { ManifestFile } from '../bundle/manifest.js';
import type { BundleStore } from '../store/bundle-store.js';
import type { EnrichedHit } from './enrich-hit.js';
import type { ScanSummary } from './line-scanner.js';
import type { Scanning, ScanSink } from './scan-pool.js';

export interface FileIngestResult {
  file: ManifestFile;
  scan?: ScanSummary;
}

const SNIFF_BYTES = 8192;

/**
 * One file of a bundle, in one pass: bytes go to the store, the sha256 and the scanner together.
 * Text is scanned as it streams; a `.gz` member is scanned through gunzip (rotated logs are text
 * too); a file with NUL bytes in its first 8 KiB is kept but not scanned, and counted as binary.
 */
export class FileIngest {
  private readonly hash: Hash = createHash('sha256');
  private readonly sink = new PassThrough({ highWaterMark: 1 << 20 });
  private readonly stored: Promise<{ size: number }>;
  private scanner?: ScanSink;
  private gunzip?: Gunzip;
  private gunzipDone?: Promise<void>;
  private kind?: ManifestFile['kind'];
  private size = 0;
  private gunzipError?: string;

  constructor(
    private readonly store: BundleStore,
    key: string,
    private readonly path: string,
    private readonly scanning: Scanning,
    private readonly onHit: (hit: EnrichedHit) => void,
    private readonly referenceMs: number,
    private readonly maxLineBytes: number,
  ) {
    // the store may attach its pipeline only after an await (mkdir): until then an abort's error
    // must not surface as an unhandled 'error' event; the put still rejects on the destroyed stream
    this.sink.on('error', () => undefined);
    this.stored = store.put(key, this.sink);
    // a failed put must surface through end(), not as an unhandled rejection
    this.stored.catch(() => undefined);
  }

  /** Returns false when the store is behind: wait for drain() before writing more. */
  write(chunk: Buffer): boolean {
    if (this.kind === undefined) this.sniff(chunk);
    this.size += chunk.length;
    this.hash.update(chunk);
    if (this.kind === 'text') this.scanner!.push(chunk);
    else if (this.kind === 'gzip-text') this.gunzip!.write(chunk);
    return this.sink.write(chunk) && !this.scanning.saturated;
  }

  drain(): Promise<unknown> {
    const waits: Promise<unknown>[] = [this.scanning.capacity()];
    if (this.sink.writableNeedDrain) waits.push(once(this.sink, 'drain'));
    return Promise.all(waits);
  }

  async end(): Promise<FileIngestResult> {
    if (this.kind === undefined) this.sniff(Buffer.alloc(0));
    this.sink.end();
    if (this.gunzip) {
      this.gunzip.end();
      await this.gunzipDone;
    }
    await this.stored;
    const summary = this.scanner ? await this.scanner.end() : undefined;
    const scan = this.kind !== 'binary' ? summary : undefined;
    const file: ManifestFile = {
      path: this.path,
      size: this.size,
      sha256: this.hash.digest('hex'),
      lines: scan ? scan.lines : null,
      firstTimestamp: null,
      lastTimestamp: null,
      kind: this.kind!,
    };
    if (this.kind === 'gzip-text' && scan) file.uncompressedSize = scan.bytes;
    if (scan && scan.overlongLines > 0) file.overlongLines = scan.overlongLines;
    return scan ? { file, scan } : { file };
  }

  /** Stops the store write, e.g. when the archive turns out corrupt mid-entry. */
  abort(err: Error): void {
    this.gunzip?.destroy();
    this.sink.destroy(err);
  }

  get gunzipFailure(): string | undefined {
    return this.gunzipError;
  }

  private sniff(first: Buffer): void {
    const head = first.subarray(0, SNIFF_BYTES);
    if (this.path.endsWith('.gz') && head[0] === 0x1f && head[1] === 0x8b) {
      this.kind = 'gzip-text';
      this.scanner = this.scanning.open(this.path, this.maxLineBytes, this.referenceMs, this.onHit);
      this.gunzip = createGunzip();
      let sniffed = false;
      this.gunzip.on('data', (c: Buffer) => {
        if (!sniffed) {
          sniffed = true;
          if (c.subarray(0, SNIFF_BYTES).includes(0)) {
            // compressed binary (a core dump, a pcap): keep it, do not scan it
            this.kind = 'binary';
          }
        }
        if (this.kind === 'gzip-text') this.scanner!.push(c);
      });
      this.gunzipDone = new Promise((resolve) => {
        this.gunzip!.on('end', resolve);
        this.gunzip!.on('error', (e) => {
          // a broken rotated log must not fail the bundle: keep the bytes, record why it was not scanned
          this.gunzipError = e.message;
          this.kind = 'binary';
          resolve();
        });
      });
      return;
    }
    if (head.includes(0)) {
      this.kind = 'binary';
      return;
    }
    this.kind = 'text';
    this.scanner = this.scanning.open(this.path, this.maxLineBytes, this.referenceMs, this.onHit);
  }
}
