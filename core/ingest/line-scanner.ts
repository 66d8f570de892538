import type { CompiledCatalog } from '../rules/compiled-catalog.js';

/** One line (or fragment of an overlong line) that fired at least one rule. */
export interface LineHit {
  rules: number[];
  /** 1-based line number */
  line: number;
  /** byte offset of the first byte of `text` in the file */
  offset: number;
  text: string;
}

export interface ScanSummary {
  bytes: number;
  lines: number;
  /** [line, byteOffset] pairs, one about every `indexStride` bytes: lets `read` seek in O(range). */
  lineIndex: [number, number][];
  /** lines longer than the line cap, scanned as fragments */
  overlongLines: number;
  /** first and last few complete lines, for the file's first/last timestamp */
  head: string[];
  tail: string[];
}

export interface ScannerOptions {
  /** a line longer than this is handed to the rules in fragments of this size (bounded memory) */
  maxLineBytes?: number;
  indexStride?: number;
}

const HEAD_BYTES = 8 * 1024;
/**
 * A [line, offset] pair about every 256 KiB: `read` fetches at most this much before a range, and
 * `search` counts newlines only after the last pair before a hit or a region's end (~1% of a
 * file's bytes, against ~25% with a pair per MiB). ~4,000 pairs per GiB.
 */
export const INDEX_STRIDE = 256 * 1024;

// The innermost loop lives in its own small function: V8 keeps its tables in registers there,
// which roughly doubles throughput against the same loop inlined in push(). It runs the automaton
// until a keyword ends (returns that index) or the segment ends (returns -1); the state comes back
// through `scratch` to avoid allocating a result object per call.
const scratch = new Int32Array(1);
function advance(next: Int32Array, classOf: Uint8Array, buf: Buffer, from: number, end: number, state: number): number {
  let s = state;
  for (let i = from; i < end; i++) {
    s = next[s + classOf[buf[i]!]!]!;
    if (s < 0) {
      scratch[0] = ~s;
      return i;
    }
  }
  scratch[0] = s;
  return -1;
}
const TAIL_BYTES = 8 * 1024;

/**
 * Streams one file's bytes through the keyword automaton, counting lines and building the sparse
 * line index in the same loop. Only lines where a keyword ended are decoded and tried against the
 * rules' regexes, so the cost per byte is one table lookup. Memory is bounded by `maxLineBytes`.
 */
export class LineScanner {
  private state = 0;
  private lineNo = 1;
  private offset = 0; // bytes seen before the current chunk
  private lineStart = 0; // file offset where the current line (or fragment) starts
  private carry: Buffer[] = [];
  private carryLen = 0;
  private hitKeywords: number[] = [];
  private lastIndexed = 0;
  private overlong = 0;
  private currentOverlong = false;
  private readonly lineIndex: [number, number][] = [[1, 0]];
  private head: Buffer[] = [];
  private headLen = 0;
  private tailBuf: Buffer = Buffer.alloc(0);
  private readonly maxLine: number;
  private readonly stride: number;
  private readonly mask: Uint8Array;

  constructor(
    private readonly catalog: CompiledCatalog,
    path: string,
    private readonly onHit: (hit: LineHit) => void,
    opts: ScannerOptions = {},
  ) {
    this.maxLine = opts.maxLineBytes ?? 1 << 20;
    this.stride = opts.indexStride ?? INDEX_STRIDE;
    this.mask = catalog.maskFor(path);
  }

  push(chunk: Buffer): void {
    if (this.headLen < HEAD_BYTES) {
      const part = chunk.subarray(0, HEAD_BYTES - this.headLen);
      this.head.push(Buffer.from(part));
      this.headLen += part.length;
    }
    const { next, classOf, classes, outputs } = this.catalog.automaton;
    const n = chunk.length;
    let s = this.state; // premultiplied state
    let segStart = 0; // start in this chunk of the bytes that belong to the current line
    let hits = this.hitKeywords.length > 0;
    let lineNo = this.lineNo;
    let pos = 0;
    // newlines are found with memchr (Buffer.indexOf); the automaton runs over each line's bytes
    while (pos < n) {
      const nl = chunk.indexOf(10, pos);
      const end = nl === -1 ? n : nl;
      let i = pos;
      for (;;) {
        const h = advance(next, classOf, chunk, i, end, s);
        s = scratch[0]!;
        if (h < 0) break;
        hits = true;
        for (const k of outputs[(s / classes) | 0]!) this.hitKeywords.push(k);
        i = h + 1;
      }
      if (nl === -1) break;
      if (hits) {
        this.lineNo = lineNo;
        this.emit(chunk, segStart, nl);
        hits = false;
      }
      if (this.carryLen) {
        this.carry.length = 0;
        this.carryLen = 0;
      }
      this.currentOverlong = false;
      lineNo++;
      s = 0;
      pos = segStart = nl + 1;
      const off = this.offset + segStart;
      this.lineStart = off;
      if (off - this.lastIndexed >= this.stride) {
        this.lineIndex.push([lineNo, off]);
        this.lastIndexed = off;
      }
    }
    this.state = s;
    this.lineNo = lineNo;
    if (segStart < n) {
      this.carry.push(chunk.subarray(segStart));
      this.carryLen += n - segStart;
    }
    this.offset += n;
    this.keepTail(chunk);
    if (this.carryLen > this.maxLine) this.flushOverlong(hits);
  }

  /** Finishes the last line (a file need not end with a newline) and reports what was seen. */
  end(): ScanSummary {
    if (this.hitKeywords.length > 0) this.emit(Buffer.alloc(0), 0, 0);
    const lines = this.offset === 0 ? 0 : this.lineNo - (this.lineStart === this.offset ? 1 : 0);
    const headText = Buffer.concat(this.head).toString('utf8').split('\n');
    if (this.headLen >= HEAD_BYTES) headText.pop(); // last one may be cut
    const tailText = this.tailBuf.toString('utf8').split('\n');
    if (this.offset > TAIL_BYTES) tailText.shift(); // first one may be cut
    return {
      bytes: this.offset,
      lines,
      lineIndex: this.lineIndex,
      overlongLines: this.overlong,
      head: headText.filter((l) => l.length > 0).slice(0, 16),
      tail: tailText.filter((l) => l.length > 0).slice(-16),
    };
  }

  private emit(chunk: Buffer, from: number, to: number): void {
    const parts = this.carry.length ? [...this.carry, chunk.subarray(from, to)] : [chunk.subarray(from, to)];
    const buf = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    let text = buf.toString('utf8');
    if (text.endsWith('\r')) text = text.slice(0, -1);
    const cands = new Set<number>();
    for (const k of this.hitKeywords) for (const r of this.catalog.keywordRules[k]!) cands.add(r);
    this.hitKeywords = [];
    const rules = this.catalog.evaluate(text, cands, this.mask);
    if (rules.length) this.onHit({ rules, line: this.lineNo, offset: this.lineStart, text });
  }

  /** A line past the cap: evaluate what we hold as a fragment, then keep scanning without it. */
  private flushOverlong(hits: boolean): void {
    if (!this.currentOverlong) this.overlong++;
    this.currentOverlong = true;
    if (hits) this.emit(Buffer.alloc(0), 0, 0);
    this.lineStart = this.offset;
    this.carry.length = 0;
    this.carryLen = 0;
  }

  private keepTail(chunk: Buffer): void {
    if (chunk.length >= TAIL_BYTES) this.tailBuf = Buffer.from(chunk.subarray(chunk.length - TAIL_BYTES));
    else {
      const joined = Buffer.concat([this.tailBuf, chunk]);
      this.tailBuf = Buffer.from(joined.subarray(Math.max(0, joined.length - TAIL_BYTES)));
    }
  }
}
