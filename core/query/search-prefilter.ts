/**
 * The pattern side of `search`: RE2 compilation (and the SearchError a bad pattern or option
 * raises), the literal every match must contain, and the prefilter that picks the lines of a
 * region worth testing with the regex, with the line-boundary helpers it shares with search.ts.
 */
import { isAscii } from 'node:buffer';
import { RE2JS } from 're2js';

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

export interface Matcher {
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
export const lineStart = (b: Buffer, p: number) => (p <= 0 ? 0 : b.lastIndexOf(10, p - 1) + 1);
export const lineEnd = (b: Buffer, p: number) => {
  const e = b.indexOf(10, p);
  return e < 0 ? b.length : e;
};

/**
 * Lines [start, end) of `b` (byte offsets) that may match; each is then tested on its own. With a
 * required literal, only lines holding it: memmem on the bytes, or for ignore_case indexOf on the
 * lower-cased latin1 view of 64 KiB pieces (length-preserving, so indices are byte offsets; small
 * pieces keep the strings out of the large-object heap). Else blocks of lines the regex matches.
 */
export function* candidates(m: Matcher, b: Buffer): Generator<[number, number]> {
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
