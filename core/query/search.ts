import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import picomatch from 'picomatch';
import type { ManifestFile } from '../bundle/manifest.js';
import type { BundleStore } from '../store/bundle-store.js';
import { parseLineTimestamp } from '../time/parse-timestamp.js';
import { type BundleRef, loadLineIndex } from './bundle-ref.js';
import { candidates, compilePattern, lineEnd, lineStart, makeMatcher, type Matcher, SearchError } from './search-prefilter.js';

export { compilePattern, MAX_PATTERN_CHARS, requiredLiteral, SearchError } from './search-prefilter.js';

export const HIT_TEXT_CHARS = 500;
export const SEARCH_CAPS = { contextLines: 5, maxPerFile: 200, maxTotal: 1000 } as const;
/** a line longer than this is searched in fragments of this size, so memory stays bounded */
const MAX_LINE_BYTES = 1 << 20;

/** `S-001`, `S-002`, …: hit ids in discovery order, stable for one search, resolvable by `summarize`. */
export const searchHitId = (n: number) => `S-${String(n).padStart(3, '0')}`;

export interface SearchOptions {
  pattern: string;
  ignoreCase?: boolean;
  /** picomatch glob over bundle paths; a glob without `/` matches file names (`*.log`) */
  fileGlob?: string;
  /** only lines whose own timestamp is inside [startMs, endMs]; untimed lines are kept */
  window?: { startMs: number; endMs: number };
  contextLines?: number;
  maxPerFile?: number;
  maxTotal?: number;
  /** the bundle's collection time: anchors yearless timestamps */
  referenceMs: number;
  /** number of the first hit id (S-<firstId>): the tool continues after the bundle's earlier searches */
  firstId?: number;
}

export interface SearchHit {
  id: string;
  path: string;
  line: number;
  /** offset of the line's first byte (decompressed text for gzip-text; the 1 MiB fragment's for longer lines) */
  byteOffset: number;
  timestamp: string | null;
  text: string;
  textCut: boolean;
  before: string[];
  after: string[];
}

export interface SearchCoverage {
  filesSearched: number;
  filesSkippedBinary: number;
  filesSkippedGlob: number;
  filesNotReached: number; // never opened: the total cap stopped the search first
  bytesSearched: number;
  bytesTotal: number;
  perFileCapHits: string[]; // files whose search stopped at max_per_file
  overlongLines: number; // lines over 1 MiB, searched in 1 MiB fragments (a match across a cut is missed)
}

export interface SearchResult {
  hits: SearchHit[];
  excludedByWindow: number;
  coverage: SearchCoverage;
  /** a cap stopped the search: more hits exist than returned */
  truncated: boolean;
  limits: { contextLines: number; maxPerFile: number; maxTotal: number; clamped: string[] };
}

const shown = (t: string) => (t.endsWith('\r') ? t.slice(0, -1) : t).slice(0, HIT_TEXT_CHARS);
/** a context line: at most HIT_TEXT_CHARS, so at most 4 bytes each are decoded */
const lineAt = (b: Buffer, p: number) => shown(b.toString('utf8', p, Math.min(lineEnd(b, p), p + 4 * HIT_TEXT_CHARS + 4)));

type Opts = Required<Omit<SearchOptions, 'fileGlob' | 'window' | 'firstId'>> & SearchOptions;

/** [line, byte]: the line that starts at that byte; ingest's line index holds one about every 256 KiB, ascending */
type IndexPoint = readonly [number, number];

/**
 * One file's search: regions of whole lines in, hits out; keeps line numbers, byte offsets and context.
 * Line numbers come from counting newlines, which would cost as much as the search itself on a file
 * with few hits; with the file's line index only the bytes after the last index point before a hit
 * (or a region's end) are counted. A point whose byte does not follow a newline shows the index does
 * not fit the file: it is dropped and every newline counted.
 */
class FileSearch {
  line = 1;
  byte = 0;
  hits = 0;
  capped = false;
  private prevTail: string[] = [];
  private pending: SearchHit[] = [];
  private ix = 0; // next index point not yet passed
  /** where a cap stopped the search: the newline (or end) of the line that found it full */
  stoppedAt = 0;

  constructor(private readonly path: string, private readonly m: Matcher, private readonly o: Opts, private readonly onHit: (h: Omit<SearchHit, 'id'>) => SearchHit | 'excluded' | 'stop', private index: readonly IndexPoint[] | undefined) {}

  /** `b` is whole lines (the last may be unterminated: end of file or a 1 MiB fragment). False: stop. */
  region(b: Buffer): boolean {
    const n = this.o.contextLines;
    // after-context still owed to hits of the previous region
    for (let p = 0; this.pending.length > 0 && p < b.length; p = lineEnd(b, p) + 1) {
      const t = lineAt(b, p);
      for (const h of this.pending) h.after.push(t);
      this.pending = this.pending.filter((h) => h.after.length < n);
    }
    let cb = 0; // cursor: a line start in `b`, and its number
    let cl = this.line;
    const advance = (to: number) => {
      const idx = this.index;
      if (idx !== undefined) {
        let j = this.ix;
        while (j < idx.length && idx[j]![1] - this.byte <= to) j++;
        if (j > this.ix) {
          this.ix = j;
          const [pl, po] = idx[j - 1]!;
          const rel = po - this.byte;
          if (rel > cb) {
            if (b[rel - 1] === 10) {
              cb = rel;
              cl = pl;
            } else this.index = undefined;
          }
        }
      }
      for (let e = b.indexOf(10, cb); e >= 0 && e < to; e = b.indexOf(10, cb)) {
        cl++;
        cb = e + 1;
      }
    };
    let go = true;
    for (const [ls, le] of candidates(this.m, b)) {
      const text = b.toString('utf8', ls, le);
      if (!this.m.re.test(text)) continue;
      advance(ls);
      const before: string[] = [];
      for (let p = ls; before.length < n && p > 0; ) {
        p = lineStart(b, p - 1);
        before.unshift(lineAt(b, p));
      }
      if (before.length < n) before.unshift(...this.prevTail.slice(-(n - before.length)));
      const after: string[] = [];
      for (let p = le + 1; after.length < n && p < b.length; p = lineEnd(b, p) + 1) after.push(lineAt(b, p));
      const ts = parseLineTimestamp(text, { referenceMs: this.o.referenceMs });
      const shownText = shown(text);
      const hit = {
        path: this.path, line: cl, byteOffset: this.byte + ls, timestamp: ts ? new Date(ts.ms).toISOString() : null,
        text: shownText, textCut: shownText.length < text.length - (text.endsWith('\r') ? 1 : 0), before, after,
      };
      const r = this.onHit(hit);
      if (r === 'stop') {
        this.stoppedAt = le;
        go = false;
        break;
      }
      if (r !== 'excluded' && after.length < n) this.pending.push(r);
    }
    if (go) advance(b.length);
    const tail: string[] = [];
    for (let e = b[b.length - 1] === 10 ? b.length - 1 : b.length; tail.length < n && e >= 0 && b.length > 0; ) {
      const q = lineStart(b, e);
      tail.unshift(shown(b.toString('utf8', q, e)));
      e = q - 1;
    }
    if (n > 0) this.prevTail = [...this.prevTail, ...tail].slice(-n);
    this.line = cl;
    this.byte += b.length;
    return go;
  }
}

/**
 * Searches every text file of a bundle (manifest path order) line by line, streaming: memory is
 * bounded by the read-ahead buffers (3 x 4 MiB on the filesystem store, one 1 MiB chunk when streaming) plus one line (<= 1 MiB), never a whole file. Hit ids are S-001… in
 * discovery order. A per-file cap stops that file; the total cap stops the search.
 */
export async function searchBundle(store: BundleStore, ref: BundleRef, opts: SearchOptions): Promise<SearchResult> {
  const ignoreCase = opts.ignoreCase ?? false;
  const re = compilePattern(opts.pattern, ignoreCase);
  const clamped: string[] = [];
  const cap = (name: string, v: number | undefined, def: number, max: number, min = 1) => {
    const x = Math.max(min, Math.floor(v ?? def));
    if (x > max) clamped.push(`${name} clamped to ${max}`);
    return Math.min(x, max);
  };
  const o = {
    ...opts, ignoreCase,
    contextLines: cap('context_lines', opts.contextLines, 0, SEARCH_CAPS.contextLines, 0),
    maxPerFile: cap('max_per_file', opts.maxPerFile, 20, SEARCH_CAPS.maxPerFile),
    maxTotal: cap('max_results', opts.maxTotal, 100, SEARCH_CAPS.maxTotal),
  };
  const m = makeMatcher(re, opts.pattern, ignoreCase);
  const files = [...ref.manifest.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const glob = opts.fileGlob ? picomatch(opts.fileGlob, { dot: true, basename: true }) : undefined;
  const cov: SearchCoverage = { filesSearched: 0, filesSkippedBinary: 0, filesSkippedGlob: 0, filesNotReached: 0, bytesSearched: 0, bytesTotal: 0, perFileCapHits: [], overlongLines: 0 };
  const todo: ManifestFile[] = [];
  for (const f of files) {
    cov.bytesTotal += f.uncompressedSize ?? f.size;
    if (f.kind === 'binary') cov.filesSkippedBinary++;
    else if (glob && !glob(f.path)) cov.filesSkippedGlob++;
    else todo.push(f);
  }
  if (glob && todo.length === 0) {
    throw new SearchError(`file_glob "${opts.fileGlob}" matches none of the bundle's text files (e.g. ${files.filter((f) => f.kind !== 'binary').slice(0, 5).map((f) => f.path).join(', ')}): widen it or leave it out`);
  }

  // a bundle without a readable line index is still searched, counting every newline
  const lineIndex = await loadLineIndex(store, ref).catch(() => ({}) as Record<string, IndexPoint[]>);
  const hits: SearchHit[] = [];
  let excluded = 0;
  let truncated = false;
  for (const [i, f] of todo.entries()) {
    if (truncated && hits.length >= o.maxTotal) {
      cov.filesNotReached = todo.length - i;
      break;
    }
    const fs = new FileSearch(f.path, m, o, (h) => {
      const t = h.timestamp === null ? undefined : Date.parse(h.timestamp);
      if (opts.window && t !== undefined && (t < opts.window.startMs || t > opts.window.endMs)) {
        excluded++;
        return 'excluded';
      }
      if (hits.length >= o.maxTotal || fs.hits >= o.maxPerFile) {
        // one hit beyond a cap proves the cap cut something off
        truncated = true;
        if (fs.hits >= o.maxPerFile) fs.capped = true;
        return 'stop';
      }
      fs.hits++;
      const stored = { id: searchHitId((opts.firstId ?? 1) + hits.length), ...h };
      hits.push(stored);
      return stored;
    }, f.kind === 'text' ? lineIndex[f.path] : undefined); // gzip-text: the index counts decompressed bytes; not relied on
    cov.filesSearched++;
    cov.bytesSearched += await searchFile(store, ref.keys.file(f.path), f, fs, cov);
    if (fs.capped) cov.perFileCapHits.push(f.path);
  }
  return { hits, excludedByWindow: excluded, coverage: cov, truncated, limits: { contextLines: o.contextLines, maxPerFile: o.maxPerFile, maxTotal: o.maxTotal, clamped } };
}

/** the stream path's chunk size: the fast path hands out the same 1 MiB pieces, so regions (and overlong-line fragments) are identical */
const CHUNK_BYTES = 1 << 20;

/** optional fast path of a filesystem-backed store (FsBundleStore.readChunks): reused buffers, reads ahead in the libuv pool */
interface ChunkReader {
  readChunks(key: string): AsyncIterable<Buffer>;
}
const chunkReader = (s: BundleStore): ChunkReader | undefined => (typeof (s as Partial<ChunkReader>).readChunks === 'function' ? (s as unknown as ChunkReader) : undefined);

/**
 * Whether every CHUNK_BYTES piece of a chunk holds a newline. Then searchFile cuts the chunk into
 * the same lines whole as piece by piece (the first line joined to the carry, whole lines up to the
 * last newline, a new carry), and whole it is one region instead of several: fewer calls, and fewer
 * newlines counted after the line index's points. Otherwise a line may pass 1 MiB inside the chunk
 * and it goes piece by piece, so overlong lines are cut where they always were.
 */
function newlineInEveryPiece(c: Buffer): boolean {
  for (let s = 0; s < c.length; s += CHUNK_BYTES) {
    const nl = c.indexOf(10, s);
    if (nl < 0 || nl >= s + CHUNK_BYTES) return false;
  }
  return true;
}

/**
 * Where, in chunk `c`, the region piece-by-piece cutting would have given ends, for the line whose
 * newline is at `e`: the first line of a piece that continues the previous piece's cut line, or the
 * piece's whole lines. Keeps bytesSearched of a search stopped by a cap as it was with pieces.
 */
function pieceRegionEnd(c: Buffer, e: number): number {
  const p = e - (e % CHUNK_BYTES);
  if (p > 0 && c[p - 1] !== 10 && c.indexOf(10, p) === e) return e + 1;
  return c.lastIndexOf(10, Math.min(p + CHUNK_BYTES, c.length) - 1) + 1;
}

/** Streams one stored file (gunzipped when gzip-text) into whole-line regions; returns bytes searched. */
async function searchFile(store: BundleStore, key: string, f: ManifestFile, fs: FileSearch, cov: SearchCoverage): Promise<number> {
  const fast = f.kind === 'gzip-text' ? undefined : chunkReader(store);
  let src: AsyncIterable<Buffer>;
  if (fast) src = fast.readChunks(key);
  else {
    let s: Readable = await store.get(key);
    if (f.kind === 'gzip-text') {
      const gz = createGunzip();
      pipeline(s, gz, () => undefined); // errors surface through the iteration of gz
      s = gz;
    }
    src = s;
  }
  let searched = 0;
  let carry: Buffer | undefined; // the start of a line the previous chunk cut (a copy: chunks may be reused buffers)
  let overlong = false;
  const region = (b: Buffer) => {
    searched += b.length;
    return fs.region(b);
  };
  // only the cut line is copied (carry + the chunk up to its first newline), never the whole chunk;
  // leaving the loop early destroys the stream. The fast path's chunks go in 1 MiB pieces (as the
  // stream path's 1 MiB chunks) unless cutting them whole gives the same lines.
  for await (const chunk of src) {
    const whole = !fast || newlineInEveryPiece(chunk);
    for (let s = 0; s < chunk.length; s += whole ? chunk.length : CHUNK_BYTES) {
      let c = chunk.subarray(s, whole ? chunk.length : s + CHUNK_BYTES);
      let at = s; // offset of c in chunk
      if (carry) {
        const nl = c.indexOf(10);
        const joined = Buffer.concat([carry, nl < 0 ? c : c.subarray(0, nl + 1)]);
        carry = undefined;
        if (nl < 0) {
          if (joined.length < MAX_LINE_BYTES) carry = joined;
          else {
            if (!overlong) cov.overlongLines++;
            overlong = true;
            if (!region(joined)) return searched;
          }
          continue;
        }
        overlong = false;
        if (!region(joined)) return searched;
        c = c.subarray(nl + 1);
        at += nl + 1;
      }
      const last = c.lastIndexOf(10);
      if (last + 1 < c.length) carry = Buffer.from(c.subarray(last + 1));
      if (last >= 0) {
        const before = searched;
        // a whole chunk counts as searched only up to where its piece-by-piece region would have ended
        if (!region(c.subarray(0, last + 1))) return fast && whole ? before + pieceRegionEnd(chunk, at + fs.stoppedAt) - at : searched;
      }
    }
  }
  if (carry) region(carry);
  return searched;
}
