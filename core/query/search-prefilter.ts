/**
 * The pattern side of `search`: RE2 compilation (and the SearchError a bad pattern or option
 * raises), the literal every match must contain, and the prefilter that picks the lines of a
 * region worth testing with the regex, with the line-boundary helpers it shares with search.ts.
 */
import { isAscii } from 'node:buffer';
import { RE2JS } from 're2js';
import { CI_MAX_CHARS, cachedCiFinder } from './search-ci-literal.js';
import { jsPrefilter } from './search-js-prefilter.js';

export const MAX_PATTERN_CHARS = 1000;
/** line-aligned pieces that a regex without a required literal is first tried on as a whole */
const PIECE_BYTES = 64 * 1024;

/** The pattern or a search option cannot be used; the message says how to fix it. */
export class SearchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SearchError';
  }
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

/** Index of the `]` closing the character class that opens at `i` (POSIX `[:…:]` inside), or null. */
function classEnd(pattern: string, i: number): number | null {
  let j = i + 1;
  if (pattern[j] === '^') j++;
  if (pattern[j] === ']') j++;
  for (; j < pattern.length && pattern[j] !== ']'; j++) {
    if (pattern[j] === '\\') j++;
    else if (pattern[j] === '[' && pattern[j + 1] === ':') j = pattern.indexOf(':]', j + 2) + 1 || pattern.length;
  }
  return j >= pattern.length ? null : j;
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
      const j = classEnd(pattern, i);
      if (j === null) return null;
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

/**
 * The top-level alternatives of a pattern (`a|b|c`), or null when it has none or cannot be split
 * safely; classes and escapes are skipped as requiredLiteral does.
 */
export function topLevelAlternatives(pattern: string): string[] | null {
  const out: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') i++;
    else if (c === '[') {
      const j = classEnd(pattern, i);
      if (j === null) return null;
      i = j;
    } else if (c === '(') depth++;
    else if (c === ')') {
      if (--depth < 0) return null;
    } else if (c === '|' && depth === 0) {
      out.push(pattern.slice(from, i));
      from = i + 1;
    }
  }
  if (depth !== 0 || out.length === 0) return null;
  out.push(pattern.slice(from));
  return out;
}

/**
 * Literals of which every match must contain at least one: the required literal, else one per
 * top-level alternative when each has one (`a…|b…`). Null when some match may contain none.
 */
export function requiredLiterals(pattern: string): string[] | null {
  const one = requiredLiteral(pattern);
  if (one !== null) return [one];
  const alts = topLevelAlternatives(pattern);
  if (alts === null) return null;
  const lits = alts.map(requiredLiteral);
  return lits.every((l): l is string => l !== null) ? [...new Set(lits)] : null;
}

export interface Matcher {
  re: RE2JS;
  ignoreCase: boolean;
  /**
   * literals of which every matching line holds one: UTF-8 (case-sensitive search) or lower-case
   * ASCII (ignore_case); null: none known
   */
  literals: Buffer[] | string[] | null;
  /** ignore_case only: no literal has a k/s, whose case folds include non-ASCII (K ſ) */
  foldSafe: boolean;
  /** whether testing a block of lines at once can only over-approximate per-line tests */
  blockOk: boolean;
  /**
   * no literal known: the V8 regex that picks candidate lines (search-js-prefilter.ts), or null;
   * dropped for the rest of the search once it proves slow (V8 fell back to its linear engine)
   */
  js: RegExp | null;
  /** pieces on which `js` was slower than re2js would have been */
  jsSlow: number;
}

/** How `search` finds the lines worth testing for `pattern` (already compiled as `re`). */
export function makeMatcher(re: RE2JS, pattern: string, ignoreCase: boolean): Matcher {
  const lits = requiredLiterals(pattern);
  const literals = lits === null ? null : !ignoreCase ? lits.map((l) => Buffer.from(l)) : lits.every((l) => /^[\x00-\x7f]*$/.test(l)) ? lits.map((l) => l.toLowerCase()) : null;
  const blockOk = !/\\[Az]/.test(pattern) && !/\(\?[^:P<]/.test(pattern);
  return {
    re, ignoreCase, literals, blockOk, foldSafe: lits !== null && lits.every((l) => !/[ks]/i.test(l)),
    js: literals === null && blockOk ? jsPrefilter(pattern, ignoreCase) : null,
    jsSlow: 0,
  };
}

/** start of the line holding byte p; guards lastIndexOf, which reads a negative offset from the end */
export const lineStart = (b: Buffer, p: number) => (p <= 0 ? 0 : b.lastIndexOf(10, p - 1) + 1);
export const lineEnd = (b: Buffer, p: number) => {
  const e = b.indexOf(10, p);
  return e < 0 ? b.length : e;
};

/** Node's Buffer.indexOf runs needles shorter than this as memchr of their first byte plus a compare */
const LINEAR_NEEDLE = 7;
const SAMPLES = 1024;

/**
 * A finder of `lit` in `b`: next(from) is the first occurrence starting at or after `from`, or -1.
 * Buffer.indexOf of a long needle is Boyer-Moore-Horspool, ~6 GB/s on log text; when one of the
 * literal's bytes is rare in a sample of `b`, memchr for it is several times faster: search the
 * (<= 7 byte) window of the literal that starts at that byte, then compare the whole literal.
 */
function finder(b: Buffer, lit: Buffer, hist: Uint32Array | undefined, samples: number): (from: number) => number {
  let best = -1;
  if (hist !== undefined && lit.length >= 2) {
    for (let i = 0; i + 2 <= lit.length; i++) if (best < 0 || hist[lit[i]!]! < hist[lit[best]!]!) best = i;
    // not rare: more than 1 in 100 bytes. Measured on the bench bundle (ms/GiB, in memory): a window led
    // by a byte at 0.06 % 45, 0.5 % 70, 0.7 % 78, 1.8 % 154; Horspool on the whole literal 156 (37 bytes)
    // to 280 (14 bytes)
    if (hist[lit[best]!]! * 100 > samples) best = -1;
  }
  if (best < 0) return (from) => b.indexOf(lit, from);
  const off = best;
  const win = lit.subarray(off, off + LINEAR_NEEDLE);
  return (from) => {
    for (let q = b.indexOf(win, from + off); q >= 0; q = b.indexOf(win, q + 1)) {
      const s = q - off;
      if (s + lit.length > b.length) return -1;
      if (lit.compare(b, s, s + lit.length) === 0) return s;
    }
    return -1;
  };
}

function sample(b: Buffer): [Uint32Array, number] {
  const hist = new Uint32Array(256);
  const step = Math.max(1, Math.floor(b.length / SAMPLES));
  let n = 0;
  for (let i = 0; i < b.length; i += step, n++) hist[b[i]!]!++;
  return [hist, n];
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const ciCache = new Map<string, RegExp>();
/** a V8 regex (global, ignore case) for any of the lower-case ASCII literals, run on latin1 views */
function ciRegex(lits: string[]): RegExp {
  const key = lits.join('\0');
  let re = ciCache.get(key);
  if (!re) {
    if (ciCache.size > 64) ciCache.clear();
    re = new RegExp(lits.map(escapeRe).join('|'), 'gi');
    ciCache.set(key, re);
  }
  return re;
}

/**
 * Lines [start, end) of `b` (byte offsets) that may match; each is then tested on its own. With
 * required literals, only lines holding one: memmem on the bytes (led by a rare byte when there is
 * one), or for ignore_case a case-folding byte loop (one literal whose pairs move its window far on
 * this text: search-ci-literal.ts), else a case-insensitive V8 regex over the latin1 view of 64 KiB pieces
 * (length-preserving, so indices are byte offsets; no latin1 char folds to ASCII, so it finds
 * exactly what lower-casing would; small pieces keep the strings out of the large-object heap).
 * Else blocks of lines the regex matches.
 */
export function* candidates(m: Matcher, b: Buffer): Generator<[number, number]> {
  const lits = m.literals;
  if (lits !== null && lits[0] instanceof Buffer) {
    const [hist, n] = b.length >= 1 << 16 ? sample(b) : [undefined, 0];
    const finders = (lits as Buffer[]).map((l) => finder(b, l, hist, n));
    const next = finders.map(() => -2); // -2: not searched yet
    for (let from = 0; from < b.length; ) {
      let p = -1;
      for (let k = 0; k < finders.length; k++) {
        if (next[k] !== -1 && next[k]! < from) next[k] = finders[k]!(from);
        if (next[k]! >= 0 && (p < 0 || next[k]! < p)) p = next[k]!;
      }
      if (p < 0) return;
      const le = lineEnd(b, p);
      yield [lineStart(b, p), le];
      from = le + 1;
    }
    return;
  }
  const folds = lits !== null && (m.foldSafe || isAscii(b));
  const one = folds && lits.length === 1 && lits[0]!.length >= 3 ? cachedCiFinder((lits[0] as string).slice(0, CI_MAX_CHARS)) : undefined;
  if (one?.worthIt(b)) {
    // all match starts of the region at once (four lanes), then one candidate per line
    const starts: number[] = [];
    one.findAll(b, starts);
    let from = 0;
    for (const p of starts) {
      if (p < from) continue;
      const le = lineEnd(b, p);
      yield [lineStart(b, p), le];
      from = le + 1;
    }
    return;
  }
  const ci = folds ? ciRegex(lits as string[]) : null;
  for (let s = 0; s < b.length; ) {
    const e = lineEnd(b, Math.min(b.length, s + PIECE_BYTES));
    if (ci === null && m.js !== null) {
      yield* jsCandidates(m, b, s, e);
    } else if (ci !== null) {
      const hay = b.toString('latin1', s, e);
      ci.lastIndex = 0;
      for (let r = ci.exec(hay); r !== null; r = ci.lastIndex > hay.length ? null : ci.exec(hay)) {
        const le = lineEnd(b, s + r.index);
        yield [lineStart(b, s + r.index), le];
        ci.lastIndex = le + 1 - s;
      }
    } else if (!m.blockOk || m.re.test(b.subarray(s, e))) {
      yield* linesOf(b, s, e);
    }
    s = e + 1;
  }
}

/** every line of piece [s, e) of `b` (e is a line end) */
function* linesOf(b: Buffer, s: number, e: number): Generator<[number, number]> {
  for (let ls = s; ls <= e && ls < b.length; ) {
    const le = lineEnd(b, ls);
    yield [ls, le];
    ls = le + 1;
  }
}

/** a 64 KiB piece taking longer than this in V8 is slower than re2js: V8 ran its linear engine */
const SLOW_PIECE_MS = 2;
const SLOW_PIECES = 3;

/**
 * Lines of piece [s, e) that the V8 prefilter picks. An ASCII piece is searched as a latin1 string
 * (string index = byte offset) and only the lines where a match starts are candidates (resuming
 * after each such line finds every line RE2 matches: a match inside that line is a match of the
 * piece, so the leftmost one cannot lie beyond it); a piece with other text is decoded as UTF-8
 * (as RE2 sees it) and all of its lines are candidates when it matches anywhere.
 */
function* jsCandidates(m: Matcher, b: Buffer, s: number, e: number): Generator<[number, number]> {
  const js = m.js!;
  const piece = b.subarray(s, e);
  const ascii = isAscii(piece);
  const hay = b.toString(ascii ? 'latin1' : 'utf8', s, e);
  let spent = 0;
  const exec = () => {
    const t = performance.now();
    const r = js.exec(hay);
    spent += performance.now() - t;
    return r;
  };
  js.lastIndex = 0;
  if (!ascii) {
    const hit = exec() !== null;
    slow(m, spent);
    if (hit) yield* linesOf(b, s, e);
    return;
  }
  for (let r = exec(); r !== null; r = js.lastIndex > hay.length ? null : exec()) {
    // an empty match after the final newline is no line
    if (s + r.index >= b.length && b[b.length - 1] === 10) break;
    const le = lineEnd(b, s + r.index);
    yield [lineStart(b, s + r.index), le];
    js.lastIndex = le + 1 - s;
  }
  slow(m, spent);
}

function slow(m: Matcher, ms: number): void {
  if (ms > SLOW_PIECE_MS && ++m.jsSlow >= SLOW_PIECES) m.js = null;
}
