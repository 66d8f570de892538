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

/**
 * The automaton over four line-aligned quarters of a chunk at once. One automaton is bound by the
 * latency of its state chain (each lookup waits for the previous one); four independent chains
 * interleaved keep the CPU busy while each waits, ~1.5x the bytes per second. Newlines lead back to
 * the root in the table, so a chain never needs to stop at line ends; it records only where a
 * keyword ends (`ev[k]` gets position, state pairs: rare) and its state at the end.
 * `cut` holds the five stream bounds; stream 0 continues the previous chunk's line from `s0`,
 * the others start at line starts (state 0). Returns the state at the end of stream 3.
 */
function scanQuarters(next: Int32Array, classOf: Uint8Array, b: Buffer, cut: Int32Array, s0: number, ev: number[][]): number {
  let i0 = cut[0]!;
  let i1 = cut[1]!;
  let i2 = cut[2]!;
  let i3 = cut[3]!;
  const e0 = cut[1]!;
  const e1 = cut[2]!;
  const e2 = cut[3]!;
  const e3 = cut[4]!;
  let s = s0;
  let t = 0;
  let u = 0;
  let v = 0;
  const n = Math.min(e0 - i0, e1 - i1, e2 - i2, e3 - i3);
  for (let x = 0; x < n; x++) {
    s = next[s + classOf[b[i0]!]!]!;
    t = next[t + classOf[b[i1]!]!]!;
    u = next[u + classOf[b[i2]!]!]!;
    v = next[v + classOf[b[i3]!]!]!;
    if ((s | t | u | v) < 0) {
      if (s < 0) ev[0]!.push(i0, (s = ~s));
      if (t < 0) ev[1]!.push(i1, (t = ~t));
      if (u < 0) ev[2]!.push(i2, (u = ~u));
      if (v < 0) ev[3]!.push(i3, (v = ~v));
    }
    i0++;
    i1++;
    i2++;
    i3++;
  }
  // the streams' remainders (quarters differ by up to a line)
  for (; i0 < e0; i0++) if ((s = next[s + classOf[b[i0]!]!]!) < 0) ev[0]!.push(i0, (s = ~s));
  for (; i1 < e1; i1++) if ((t = next[t + classOf[b[i1]!]!]!) < 0) ev[1]!.push(i1, (t = ~t));
  for (; i2 < e2; i2++) if ((u = next[u + classOf[b[i2]!]!]!) < 0) ev[2]!.push(i2, (u = ~u));
  for (; i3 < e3; i3++) if ((v = next[v + classOf[b[i3]!]!]!) < 0) ev[3]!.push(i3, (v = ~v));
  // an empty last stream leaves the state of the one before it
  return e3 > cut[3]! ? v : e2 > cut[2]! ? u : e1 > cut[1]! ? t : s;
}
const TAIL_BYTES = 8 * 1024;

/**
 * Streams one file's bytes through the keyword automaton (four interleaved chains per chunk),
 * then walks the chunk's lines for the count and the sparse line index. Only lines where a keyword
 * ended are decoded and tried against the rules' regexes. Memory is bounded by `maxLineBytes`.
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
  private readonly cut = new Int32Array(5);
  private readonly ev: number[][] = [[], [], [], []];

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
    // quarters cut after a newline, so streams 1-3 start at line starts
    const cut = this.cut;
    cut[0] = 0;
    for (let q = 1; q < 4; q++) {
      const nl = chunk.indexOf(10, Math.max(cut[q - 1]!, (q * n) >> 2));
      cut[q] = nl < 0 ? n : nl + 1;
    }
    cut[4] = n;
    const ev = this.ev;
    for (const e of ev) e.length = 0;
    // the state after the chunk (a newline leads to the root: 0 when the chunk ends with one)
    const endState = scanQuarters(next, classOf, chunk, cut, this.state, ev);
    let segStart = 0; // start in this chunk of the bytes that belong to the current line
    let hits = this.hitKeywords.length > 0;
    let lineNo = this.lineNo;
    let q = 0; // stream whose keyword ends come next, and the index in its list
    let k = 0;
    let pos = 0;
    // lines are found with memchr (Buffer.indexOf); the keyword ends recorded in each line mark it
    while (pos < n) {
      const nl = chunk.indexOf(10, pos);
      const end = nl === -1 ? n : nl;
      for (;;) {
        while (q < 4 && k >= ev[q]!.length) {
          q++;
          k = 0;
        }
        if (q === 4 || ev[q]![k]! >= end) break;
        hits = true;
        for (const kw of outputs[(ev[q]![k + 1]! / classes) | 0]!) this.hitKeywords.push(kw);
        k += 2;
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
      pos = segStart = nl + 1;
      const off = this.offset + segStart;
      this.lineStart = off;
      if (off - this.lastIndexed >= this.stride) {
        this.lineIndex.push([lineNo, off]);
        this.lastIndexed = off;
      }
    }
    this.state = endState;
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
