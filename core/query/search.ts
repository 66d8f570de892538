import { isAscii } from 'node:buffer';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import picomatch from 'picomatch';
import { RE2JS } from 're2js';
import type { ManifestFile } from '../bundle/manifest.js';
import type { BundleStore } from '../store/bundle-store.js';
import { parseLineTimestamp } from '../time/parse-timestamp.js';
import type { BundleRef } from './bundle-ref.js';

export const MAX_PATTERN_CHARS = 1000;
export const HIT_TEXT_CHARS = 500;
export const SEARCH_CAPS = { contextLines: 5, maxPerFile: 200, maxTotal: 1000 } as const;
/** a line longer than this is searched in fragments of this size, so memory stays bounded */
const MAX_LINE_BYTES = 1 << 20;
/** line-aligned pieces that a regex without a required literal is first tried on as a whole */
const PIECE_BYTES = 64 * 1024;

/** The pattern or a search option cannot be used; the message says how to fix it. */
export class SearchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SearchError';
  }
}

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

/** Compiles with RE2 semantics (linear time: no pattern can backtrack catastrophically). */
export function compilePattern(pattern: string, ignoreCase: boolean): RE2JS {
  if (pattern.length === 0) throw new SearchError('pattern is empty: give a literal string or an RE2 regular expression');
  if (pattern.length > MAX_PATTERN_CHARS) {
    throw new SearchError(`pattern is ${pattern.length} characters, the limit is ${MAX_PATTERN_CHARS}: search for its most specific part`);
  }
  try {
    return RE2JS.compile(pattern, RE2JS.MULTILINE | (ignoreCase ? RE2JS.CASE_INSENSITIVE : 0));
  } catch (err) {
    // RE2JS quotes the pattern with the flags it prepended; show the agent its own pattern
    const msg = (err as Error).message.replace(`\`(?m)${ignoreCase ? '(?i)' : ''}`, '`');
    throw new SearchError(`invalid pattern: ${msg}. Patterns use RE2 syntax (no backreferences or lookaround); escape ( ) [ ] { } . * + ? | \\ with a backslash to match them literally`);
  }
}

/**
 * The longest literal that every match must contain, or null. Conservative: gives up (null) on
 * top-level alternation, inline flags, \Q, \p, \x, non-BMP text and malformed input; only literals
 * outside groups count, and a quantified char (`?`, `*`, `{`) ends the run without itself.
 */
export function requiredLiteral(pattern: string): string | null {
  if (/[\uD800-\uDFFF]/.test(pattern)) return null;
  let depth = 0;
  let run = '';
  let best = '';
  const flush = () => {
    if (run.length > best.length) best = run;
    run = '';
  };
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      const d = pattern[++i];
      if (d === undefined || /[0-9QEpPx]/.test(d)) return null;
      if (/[A-Za-z]/.test(d)) flush(); // \d \w \b …: not a literal
      else if (depth === 0) run += d;
    } else if (c === '[') {
      flush();
      let j = i + 1;
      if (pattern[j] === '^') j++;
      if (pattern[j] === ']') j++;
      for (; j < pattern.length && pattern[j] !== ']'; j++) {
        if (pattern[j] === '\\') j++;
        else if (pattern[j] === '[' && pattern[j + 1] === ':') j = pattern.indexOf(':]', j + 2) + 1 || pattern.length;
      }
      if (j >= pattern.length) return null;
      i = j;
    } else if (c === '(') {
      if (pattern[i + 1] === '?' && !/[:P<]/.test(pattern[i + 2] ?? '')) return null;
      flush();
      depth++;
    } else if (c === ')') {
      if (--depth < 0) return null;
    } else if (c === '|') {
      if (depth === 0) return null;
    } else if (c === '*' || c === '?' || c === '{') {
      if (c === '{') {
        const m = /^\{\d+(,\d*)?\}/.exec(pattern.slice(i));
        if (!m) return null;
        i += m[0].length - 1;
      }
      if (depth === 0) run = run.slice(0, -1);
      flush();
    } else if (c === '+' || c === '.' || c === '^' || c === '$') {
      flush();
    } else if (depth === 0) run += c;
  }
  flush();
  return depth === 0 && best.length >= 3 ? best : null;
}

interface Matcher {
  re: RE2JS;
  ignoreCase: boolean;
  /** the required literal as UTF-8 (case-sensitive search) or lower-case ASCII (ignore_case), if any */
  literal: Buffer | string | null;
  /** ignore_case only: the literal has no k/s, whose case folds include non-ASCII (K ſ) */
  foldSafe: boolean;
  /** whether testing a block of lines at once can only over-approximate per-line tests */
  blockOk: boolean;
}

/** start of the line holding byte p; guards lastIndexOf, which reads a negative offset from the end */
const lineStart = (b: Buffer, p: number) => (p <= 0 ? 0 : b.lastIndexOf(10, p - 1) + 1);
const lineEnd = (b: Buffer, p: number) => {
  const e = b.indexOf(10, p);
  return e < 0 ? b.length : e;
};
const shown = (t: string) => (t.endsWith('\r') ? t.slice(0, -1) : t).slice(0, HIT_TEXT_CHARS);
/** a context line: at most HIT_TEXT_CHARS, so at most 4 bytes each are decoded */
const lineAt = (b: Buffer, p: number) => shown(b.toString('utf8', p, Math.min(lineEnd(b, p), p + 4 * HIT_TEXT_CHARS + 4)));

/**
 * Lines [start, end) of `b` (byte offsets) that may match; each is then tested on its own. With a
 * required literal, only lines holding it: memmem on the bytes, or for ignore_case indexOf on the
 * lower-cased latin1 view of 64 KiB pieces (length-preserving, so indices are byte offsets; small
 * pieces keep the strings out of the large-object heap). Else blocks of lines the regex matches.
 */
function* candidates(m: Matcher, b: Buffer): Generator<[number, number]> {
  if (m.literal instanceof Buffer) {
    for (let p = b.indexOf(m.literal); p >= 0; ) {
      const le = lineEnd(b, p);
      yield [lineStart(b, p), le];
      p = le >= b.length ? -1 : b.indexOf(m.literal, le + 1);
    }
    return;
  }
  const lower = typeof m.literal === 'string' && (m.foldSafe || isAscii(b)) ? m.literal : null;
  for (let s = 0; s < b.length; ) {
    const e = lineEnd(b, Math.min(b.length, s + PIECE_BYTES));
    if (lower !== null) {
      const hay = b.toString('latin1', s, e).toLowerCase();
      for (let p = hay.indexOf(lower); p >= 0; ) {
        const le = lineEnd(b, s + p);
        yield [lineStart(b, s + p), le];
        p = le >= e ? -1 : hay.indexOf(lower, le + 1 - s);
      }
    } else if (!m.blockOk || m.re.test(b.subarray(s, e))) {
      for (let ls = s; ls <= e && ls < b.length; ) {
        const le = lineEnd(b, ls);
        yield [ls, le];
        ls = le + 1;
      }
    }
    s = e + 1;
  }
}

type Opts = Required<Omit<SearchOptions, 'fileGlob' | 'window' | 'firstId'>> & SearchOptions;

/** One file's search: regions of whole lines in, hits out; keeps line numbers, byte offsets and context. */
class FileSearch {
  line = 1;
  byte = 0;
  hits = 0;
  capped = false;
  private prevTail: string[] = [];
  private pending: SearchHit[] = [];

  constructor(private readonly path: string, private readonly m: Matcher, private readonly o: Opts, private readonly onHit: (h: Omit<SearchHit, 'id'>) => SearchHit | 'excluded' | 'stop') {}

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
 * bounded by one chunk plus one line (<= 1 MiB), never a whole file. Hit ids are S-001… in
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
  const lit = requiredLiteral(opts.pattern);
  const m: Matcher = {
    re, ignoreCase, foldSafe: lit !== null && !/[ks]/i.test(lit),
    literal: lit === null ? null : !ignoreCase ? Buffer.from(lit) : /^[\x00-\x7f]*$/.test(lit) ? lit.toLowerCase() : null,
    blockOk: !/\\[Az]/.test(opts.pattern) && !/\(\?[^:P<]/.test(opts.pattern),
  };
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
    });
    cov.filesSearched++;
    cov.bytesSearched += await searchFile(store, ref.keys.file(f.path), f, fs, cov);
    if (fs.capped) cov.perFileCapHits.push(f.path);
  }
  return { hits, excludedByWindow: excluded, coverage: cov, truncated, limits: { contextLines: o.contextLines, maxPerFile: o.maxPerFile, maxTotal: o.maxTotal, clamped } };
}

/** Streams one stored file (gunzipped when gzip-text) into whole-line regions; returns bytes searched. */
async function searchFile(store: BundleStore, key: string, f: ManifestFile, fs: FileSearch, cov: SearchCoverage): Promise<number> {
  let src: Readable = await store.get(key);
  if (f.kind === 'gzip-text') {
    const gz = createGunzip();
    pipeline(src, gz, () => undefined); // errors surface through the iteration of gz
    src = gz;
  }
  let searched = 0;
  let carry: Buffer | undefined; // the start of a line the previous chunk cut
  let overlong = false;
  const region = (b: Buffer) => {
    searched += b.length;
    return fs.region(b);
  };
  // only the cut line is copied (carry + the chunk up to its first newline), never the whole chunk;
  // leaving the loop early destroys the stream
  for await (const chunk of src) {
    let c = chunk as Buffer;
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
    }
    const last = c.lastIndexOf(10);
    if (last + 1 < c.length) carry = c.subarray(last + 1);
    if (last >= 0 && !region(c.subarray(0, last + 1))) return searched;
  }
  if (carry) region(carry);
  return searched;
}
