/**
 * Finding a literal regardless of ASCII case straight in a Buffer, for ignore_case searches: no
 * latin1 string per piece (copy and garbage) and no V8 regex. Horspool over case-folded byte pairs:
 * the last two bytes of the window pick the shift, so a long literal skips most bytes unread.
 */

/** ASCII upper case to lower case; every other byte as is */
const FOLD = new Uint8Array(256).map((_, i) => (i >= 65 && i <= 90 ? i | 32 : i));

/**
 * The byte loop costs ~2 ns a step, the V8 regex with its latin1 strings ~0.3 ns a byte: the loop
 * wins when the pairs of the text move the window this far on average (long literals, pairs the
 * text rarely shares with the literal)
 */
const MIN_MEAN_SHIFT = 10;
const SAMPLES = 1024;

/**
 * The longest literal searched: a longer one is searched by its first CI_MAX_CHARS chars (the
 * caller confirms each line with RE2), which bounds the work at any byte to that many compares
 * whatever the text, and leaves shifts long enough.
 */
export const CI_MAX_CHARS = 64;

export interface CiFinder {
  /** the first match at or after `from`, or -1 */
  find(b: Buffer, from: number): number;
  /** whether, on a sample of `b`'s pairs, the window moves far enough for find to beat the V8 regex */
  worthIt(b: Buffer): boolean;
  /** every match start in `b`, ascending (overlapping matches included), into `out` */
  findAll(b: Buffer, out: number[]): void;
}

/** below this many bytes per lane findAll runs one lane */
const MIN_LANE_BYTES = 4096;

/**
 * A finder of `lit` (lower-case ASCII, 3 to CI_MAX_CHARS chars): find(b, from) is the first offset at or
 * after `from` where the bytes equal `lit` once ASCII letters are folded, or -1. Bytes outside ASCII
 * never equal a literal byte, so a multi-byte character is never part of a match.
 */
export function ciFinder(lit: string): CiFinder {
  const m = lit.length;
  if (m < 3 || m > CI_MAX_CHARS || !/^[\x00-\x7f]*$/.test(lit) || lit !== lit.toLowerCase()) throw new Error(`ciFinder needs a lower-case ASCII literal of 3 to ${CI_MAX_CHARS} chars: ${JSON.stringify(lit.slice(0, 40))}`);
  const p = Buffer.from(lit, 'latin1');
  // shift for the pair ending the window: how far the window may move before that pair could sit
  // under the same pair of the literal (ending at k); a pair not in the literal moves it m-1
  const shift = new Uint8Array(65536).fill(m - 1);
  for (let k = 1; k < m - 1; k++) shift[(p[k - 1]! << 8) | p[k]!] = m - 1 - k;
  const last = (p[m - 2]! << 8) | p[m - 1]!;
  const after = shift[last]!; // the move after a window whose last pair matched but the rest did not
  shift[last] = 0;
  // the same shifts indexed by the raw (unfolded) pair: the hot loops read two bytes and one table
  // entry per step instead of also folding both bytes (~1/4 fewer loads per step)
  const raw = new Uint8Array(65536);
  for (let i = 0; i < 65536; i++) raw[i] = shift[(FOLD[i >> 8]! << 8) | FOLD[i & 255]!]!;
  return {
    worthIt(b) {
      if (m - 1 < MIN_MEAN_SHIFT) return false;
      const step = Math.max(1, Math.floor(b.length / SAMPLES));
      let sum = 0;
      let k = 0;
      for (let i = 1; i < b.length; i += step, k++) sum += shift[(FOLD[b[i - 1]!]! << 8) | FOLD[b[i]!]!]! || 1;
      return k > 0 && sum >= MIN_MEAN_SHIFT * k;
    },
    findAll(b, out) {
      const n = b.length;
      const lanes = n >= 4 * MIN_LANE_BYTES ? 4 : 1;
      // lane k tries the windows that start in its quarter; windows may read into the next quarter.
      // Each lane's position depends on its last shift (a chain of loads), so four lanes stepped
      // together overlap their waits, as the ingest scanner's four automata do
      const q = Math.ceil(n / lanes);
      const at = [0, q, 2 * q, 3 * q].map((st) => st + m - 1); // window ends
      const stop = [q, 2 * q, 3 * q, n].map((st) => Math.min(n, st + m - 1));
      const found: number[][] = [[], [], [], []];
      const verify = (i: number, k: number) => {
        const st = i - m + 1;
        let j = 0;
        while (j < m - 2 && FOLD[b[st + j]!] === p[j]) j++;
        if (j === m - 2) found[k]!.push(st);
      };
      if (lanes === 4) {
        let i0 = at[0]!;
        let i1 = at[1]!;
        let i2 = at[2]!;
        let i3 = at[3]!;
        const e0 = stop[0]!;
        const e1 = stop[1]!;
        const e2 = stop[2]!;
        const e3 = stop[3]!;
        while (i0 < e0 && i1 < e1 && i2 < e2 && i3 < e3) {
          const s0 = raw[(b[i0 - 1]! << 8) | b[i0]!]!;
          const s1 = raw[(b[i1 - 1]! << 8) | b[i1]!]!;
          const s2 = raw[(b[i2 - 1]! << 8) | b[i2]!]!;
          const s3 = raw[(b[i3 - 1]! << 8) | b[i3]!]!;
          if (s0 === 0) verify(i0, 0);
          if (s1 === 0) verify(i1, 1);
          if (s2 === 0) verify(i2, 2);
          if (s3 === 0) verify(i3, 3);
          i0 += s0 || after;
          i1 += s1 || after;
          i2 += s2 || after;
          i3 += s3 || after;
        }
        at[0] = i0;
        at[1] = i1;
        at[2] = i2;
        at[3] = i3;
      } else stop[0] = n;
      for (let k = 0; k < lanes; k++) {
        const e = stop[k]!;
        for (let i = at[k]!; i < e; ) {
          const sh = raw[(b[i - 1]! << 8) | b[i]!]!;
          if (sh === 0) verify(i, k);
          i += sh || after;
        }
        for (const x of found[k]!) out.push(x);
      }
    },
    find(b, from) {
      const n = b.length;
      for (let i = from + m - 1; i < n; ) {
        const s = raw[(b[i - 1]! << 8) | b[i]!]!;
        if (s !== 0) {
          i += s;
          continue;
        }
        const st = i - m + 1;
        let j = 0;
        while (j < m - 2 && FOLD[b[st + j]!] === p[j]) j++;
        if (j === m - 2) return st;
        i += after;
      }
      return -1;
    },
  };
}

const cache = new Map<string, CiFinder>();
/** ciFinder, kept for the next search with the same literal */
export function cachedCiFinder(lit: string): CiFinder {
  let f = cache.get(lit);
  if (!f) {
    if (cache.size >= 16) cache.clear(); // 128 KiB of shift tables each
    f = ciFinder(lit);
    cache.set(lit, f);
  }
  return f;
}
