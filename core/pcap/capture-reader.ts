// Hand-written: no maintained npm library streams pcapng + SLL2 with bounded memory (npm view: pcap-parser 0.2.1 is classic pcap only; pcap-ng-parser has one release, 1.0.0 of 2024-12; pcapng-parser is not published).
import { classicStep, classicHeader, type FormatState } from './pcap-classic.js';
import { pcapngStep } from './pcapng.js';

/** One captured frame; `data` is a view into the reader's buffer, valid only during the callback. */
export type OnFrame = (linkType: number, ts: number, data: Buffer, origLen: number) => void;

/** What went wrong with the container itself (frame contents are the decoders' business). */
export interface ReaderStats {
  format: 'pcap' | 'pcapng' | 'unknown';
  frames: number;
  /** records the container could not deliver: truncated tail, absurd lengths, unknown interfaces */
  badRecords: number;
  truncatedBytes: number;
  /** the first problem that stopped reading (wrong magic, absurd length); undefined = read to the end */
  fatal?: { kind: 'magic' | 'empty' | 'length'; message: string };
  warnings: string[];
}

/**
 * Push-based, synchronous container parser: feed it chunks in order, then end(). It keeps at most one
 * incomplete record buffered (pending chunks are concatenated only once the record is complete), so
 * memory is bounded by the largest record we accept, never by the file. It never throws on input.
 */
export class CaptureReader {
  readonly stats: ReaderStats = { format: 'unknown', frames: 0, badRecords: 0, truncatedBytes: 0, warnings: [] };
  private pending: Buffer[] = [];
  private pendingLen = 0;
  private need = 4;
  private state: FormatState | undefined;
  private stopped = false;

  constructor(private readonly onFrame: OnFrame) {}

  push(chunk: Buffer): void {
    if (this.stopped || chunk.length === 0) return;
    this.pending.push(chunk);
    this.pendingLen += chunk.length;
    if (this.pendingLen < this.need) return;
    const buf = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingLen);
    let off = 0;
    for (;;) {
      const r = this.step(buf, off);
      if (r > 0) {
        off += r;
        continue;
      }
      if (r === 0) {
        this.stopped = true;
        break;
      }
      this.need = -r; // bytes required from `off` before the next step can make progress
      if (buf.length - off >= this.need) continue; // defensive: a step asked for what it already had
      break;
    }
    const rest = this.stopped ? 0 : buf.length - off;
    // copy the tail so the (possibly large) chunk it points into can be collected
    this.pending = rest > 0 ? [Buffer.from(buf.subarray(off))] : [];
    this.pendingLen = rest;
  }

  /** End of input: a partial record left over is a truncated tail, counted, not fatal. */
  end(): ReaderStats {
    if (!this.stopped && this.pendingLen > 0) {
      if (!this.state) this.stats.fatal = { kind: 'magic', message: `file too short for a capture header (${this.pendingLen} bytes)` };
      else {
        this.stats.badRecords++;
        this.stats.truncatedBytes = this.pendingLen;
        this.stats.warnings.push(`truncated capture: last ${this.pendingLen} bytes are an incomplete record`);
      }
    }
    if (!this.state && !this.stats.fatal) this.stats.fatal = { kind: 'empty', message: 'empty file: no capture header' };
    this.stopped = true;
    this.pending = [];
    this.pendingLen = 0;
    return this.stats;
  }

  private step(buf: Buffer, off: number): number {
    if (!this.state) {
      if (buf.length - off < 4) return -4;
      const magic = buf.readUInt32BE(off);
      if (magic === 0x0a0d0d0a) {
        this.stats.format = 'pcapng';
        this.state = { kind: 'pcapng', le: true, ifaces: [], lastTs: 0 };
        return pcapngStep(this.state, buf, off, this.stats, this.onFrame);
      }
      if (buf.length - off < 24) return -24;
      const st = classicHeader(buf, off, this.stats);
      if (!st) return 0;
      this.stats.format = 'pcap';
      this.state = st;
      return 24;
    }
    return this.state.kind === 'pcap' ? classicStep(this.state, buf, off, this.stats, this.onFrame) : pcapngStep(this.state, buf, off, this.stats, this.onFrame);
  }
}

/** Drives a reader from any chunked source (a Node Readable is an AsyncIterable of Buffers). */
export async function readCapture(source: AsyncIterable<Buffer | string>, onFrame: OnFrame): Promise<ReaderStats> {
  const reader = new CaptureReader(onFrame);
  for await (const chunk of source) reader.push(typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk);
  return reader.end();
}
