/**
 * A fast prefilter for search patterns without a required literal: the RE2 pattern translated into
 * a V8 regex that matches at least every line RE2 matches (an over-approximation; each line it
 * picks is still confirmed by RE2). V8's irregexp runs such patterns ~10x faster than re2js.
 *
 * Why this is safe: irregexp backtracks, so the translation is only used when V8's linear-time
 * engine can also run it (`new RegExp(src, 'l')` compiles), and V8 is told to switch a regex that
 * backtracks too much to that engine (flags set below). No pattern can hang the server: the worst
 * case is the linear engine's slow but bounded pass, after which the caller drops to re2js.
 *
 * Hand-written: no library translates RE2 syntax into JavaScript regex syntax. The translator is a
 * whitelist: anything it is unsure of (inline flags, \p, \Q, \x, octal, \A, \z, POSIX classes,
 * non-ASCII under ignore_case, non-BMP class members) makes it give up, and search uses re2js alone.
 * The haystack is the UTF-8 decoded text, as RE2 sees it; flags 'gm' only (V8's linear engine
 * supports neither 'i' nor 'u'), so case-insensitivity becomes classes and `.` a surrogate-pair-aware
 * group.
 */
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--enable-experimental-regexp-engine');
setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');

/** true when the flags took effect (the 'l' flag is known): else the prefilter is never used */
const LINEAR_ENGINE = (() => {
  try {
    new RegExp('a', 'l');
    return true;
  } catch {
    return false;
  }
})();

class Unsupported extends Error {}

const HI = '\\ud800-\\udbff';
const PAIR = `[${HI}][\\udc00-\\udfff]`;
/** RE2 `.`: any code point but \n; a non-BMP one is two UTF-16 units */
const DOT = `(?:[^\\n${HI}]|${PAIR})`;

type Range = [number, number];
const DIGIT: Range[] = [[48, 57]];
const WORD: Range[] = [[48, 57], [65, 90], [95, 95], [97, 122]];
const SPACE: Range[] = [[9, 10], [12, 13], [32, 32]]; // RE2 \s: [\t\n\f\r ]
/** code points RE2's simple case folding adds to k and s (Kelvin sign, long s) */
const K_FOLD = 0x212a;
const S_FOLD = 0x17f;

const hex = (c: number) => `\\u${c.toString(16).padStart(4, '0')}`;
const classBody = (rs: readonly Range[]) => rs.map(([a, b]) => (a === b ? hex(a) : `${hex(a)}-${hex(b)}`)).join('');

/** the ASCII case variants (and the non-ASCII folds of k and s) added to a set of ranges */
function folded(rs: readonly Range[]): Range[] {
  const out: Range[] = [...rs];
  for (const [a, b] of rs) {
    if (b > 127) throw new Unsupported('non-ASCII class under ignore_case');
    const lo = Math.max(a, 65);
    const hi = Math.min(b, 90);
    if (lo <= hi) out.push([lo + 32, hi + 32]);
    const lo2 = Math.max(a, 97);
    const hi2 = Math.min(b, 122);
    if (lo2 <= hi2) out.push([lo2 - 32, hi2 - 32]);
  }
  const has = (c: number) => out.some(([a, b]) => a <= c && c <= b);
  if (has(107)) out.push([K_FOLD, K_FOLD]);
  if (has(115)) out.push([S_FOLD, S_FOLD]);
  return out;
}

function positive(rs: readonly Range[], ignoreCase: boolean): string {
  return `[${classBody(ignoreCase ? folded(rs) : rs)}]`;
}

/** a negated set: every code point outside it, \n included (as RE2's `[^…]`); only ASCII exclusions are kept under ignore_case */
function negative(rs: readonly Range[], ignoreCase: boolean): string {
  const ex = ignoreCase ? folded(rs).filter(([, b]) => b <= 127) : rs;
  if (ex.some(([, b]) => b >= 0xd800)) throw new Unsupported('class reaches surrogates');
  return `(?:[^${classBody(ex)}${HI}]|${PAIR})`;
}

/** a single literal code point */
function literal(cp: number, ignoreCase: boolean): string {
  if (ignoreCase) {
    if (cp > 127) throw new Unsupported('non-ASCII literal under ignore_case');
    const lower = cp | 32;
    if (lower >= 97 && lower <= 122) return positive([[cp, cp]], true);
  }
  if (cp >= 0xd800 && cp <= 0xdfff) throw new Unsupported('lone surrogate');
  // a non-BMP code point is two UTF-16 units: grouped, so a quantifier after it repeats both
  if (cp > 0xffff) return `(?:${String.fromCodePoint(cp).split('').map((u) => hex(u.charCodeAt(0))).join('')})`;
  return /[A-Za-z0-9 _]/.test(String.fromCodePoint(cp)) ? String.fromCodePoint(cp) : hex(cp);
}

const PERL: Record<string, [Range[], boolean]> = { d: [DIGIT, false], D: [DIGIT, true], w: [WORD, false], W: [WORD, true], s: [SPACE, false], S: [SPACE, true] };
const CONTROL: Record<string, number> = { t: 9, n: 10, r: 13, f: 12, v: 11, a: 7 };

/**
 * Translates an RE2 pattern (already compiled by RE2, so syntactically valid) into the source of a
 * V8 regex over-approximating it, or throws Unsupported.
 */
function translate(p: string, ignoreCase: boolean): string {
  let out = '';
  let i = 0;
  let depth = 0;
  const cps = [...p];
  const at = (k: number) => cps[k];
  while (i < cps.length) {
    const c = at(i)!;
    if (c === '\\') {
      const d = at(i + 1);
      if (d === undefined) throw new Unsupported('trailing backslash');
      i += 2;
      if (d in PERL) {
        const [rs, neg] = PERL[d]!;
        out += neg ? negative(rs, false) : ignoreCase && d === 'w' ? positive(rs, true) : positive(rs, false);
      } else if (d === 'b' || d === 'B') out += `\\${d}`; // ASCII word boundary in both engines (no 'u'/'i' flag)
      else if (d in CONTROL) out += hex(CONTROL[d]!);
      else if (/[!-/:-@[-`{-~]/.test(d)) out += literal(d.codePointAt(0)!, ignoreCase); // escaped punctuation
      else throw new Unsupported(`escape \\${d}`);
      continue;
    }
    if (c === '[') {
      const [rs, neg, next] = parseClass(cps, i);
      out += neg ? negative(rs, ignoreCase) : positive(rs, ignoreCase);
      i = next;
      continue;
    }
    if (c === '(') {
      if (at(i + 1) === '?') {
        // (?:…), (?P<name>…), (?<name>…): grouping only; any other (? is a flag group
        if (at(i + 2) === ':') i += 3;
        else if ((at(i + 2) === 'P' && at(i + 3) === '<') || at(i + 2) === '<') {
          const close = cps.indexOf('>', i);
          if (close < 0) throw new Unsupported('group name');
          i = close + 1;
        } else throw new Unsupported('inline flags');
      } else i++;
      depth++;
      out += '(?:';
      continue;
    }
    if (c === ')') {
      if (--depth < 0) throw new Unsupported('unbalanced');
      out += ')';
      i++;
      continue;
    }
    if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(cps.slice(i, i + 12).join(''));
      if (!m) throw new Unsupported('literal brace');
      out += m[0];
      i += m[0].length;
      continue;
    }
    if (c === '|' || c === '*' || c === '+' || c === '?' || c === '^' || c === '$') {
      out += c;
      i++;
      continue;
    }
    if (c === '.') {
      out += DOT;
      i++;
      continue;
    }
    out += literal(c.codePointAt(0)!, ignoreCase);
    i++;
  }
  if (depth !== 0) throw new Unsupported('unbalanced');
  return out;
}

/** `[...]` starting at cps[i]: its ranges, whether negated, and the index after `]` */
function parseClass(cps: string[], i: number): [Range[], boolean, number] {
  let j = i + 1;
  const neg = cps[j] === '^';
  if (neg) j++;
  const rs: Range[] = [];
  let first = true;
  const one = (): number | Range[] => {
    const c = cps[j]!;
    if (c === '[' && cps[j + 1] === ':') throw new Unsupported('POSIX class');
    if (c !== '\\') {
      j++;
      return c.codePointAt(0)!;
    }
    const d = cps[j + 1];
    j += 2;
    if (d === undefined) throw new Unsupported('trailing backslash');
    if (d === 'd' || d === 'w' || d === 's') return PERL[d]![0];
    if (d in CONTROL) return CONTROL[d]!;
    if (/[!-/:-@[-`{-~]/.test(d)) return d.codePointAt(0)!;
    throw new Unsupported(`class escape \\${d}`);
  };
  for (; ; first = false) {
    if (j >= cps.length) throw new Unsupported('unterminated class');
    if (cps[j] === ']' && !first) return [rs, neg, j + 1];
    const a = one();
    if (typeof a !== 'number') {
      rs.push(...a);
      continue;
    }
    if (cps[j] === '-' && cps[j + 1] !== undefined && cps[j + 1] !== ']') {
      j++;
      const b = one();
      if (typeof b !== 'number' || b < a) throw new Unsupported('class range');
      rs.push([a, b]);
    } else rs.push([a, a]);
    const [lo, hi] = rs[rs.length - 1]!;
    if (hi > 0xffff || (hi >= 0xd800 && lo <= 0xdfff)) throw new Unsupported('non-BMP or surrogate class member');
  }
}

/**
 * The V8 prefilter regex ('gm') for an RE2 pattern, or null when the translator or V8's linear
 * engine cannot take it (search then tests with re2js alone).
 */
export function jsPrefilter(pattern: string, ignoreCase: boolean): RegExp | null {
  if (!LINEAR_ENGINE) return null;
  let src: string;
  try {
    src = translate(pattern, ignoreCase);
    new RegExp(src, 'ml'); // throws unless V8's linear engine can run it: then it is the fallback
    return new RegExp(src, 'gm');
  } catch {
    return null;
  }
}
