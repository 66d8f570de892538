/**
 * Timestamp values that span an exact range of a string: epoch numbers (seconds, ms, µs or ns
 * chosen by digit count, with an optional fraction or exponent) and ISO date-times. These serve
 * the epoch line prefix, the JSON `"ts"`-style and `audit(…)` values, and `parseTimestampValue`,
 * which all need a whole value read, not a prefix of one.
 */

import { D0, DASH, DOT, LOWER_E, SLASH, UPPER_E } from './char-codes.js';
import { fractionMs, isDigitCode } from './date-parts.js';
import { parseIsoAt } from './iso-date-time.js';
import { OK, S } from './shape-scratch.js';

/** Epoch ms from digits s[a..intEnd) (leading zeros allowed) and a truncated fraction; magnitude picks the unit. */
export function epochFromDigits(s: string, a: number, intEnd: number, fracMs: number): number {
  let z = a;
  while (z < intEnd - 1 && s.charCodeAt(z) === D0) z++;
  const n = intEnd - z;
  // <= 11 digits: seconds; 12-14: ms; 15-17: µs; 18-20: ns (same cut-offs as most log tooling).
  let drop: number;
  let scale = 1;
  if (n <= 11) {
    drop = 0;
    scale = 1000;
  } else if (n <= 14) drop = 0;
  else if (n <= 17) drop = 3;
  else if (n <= 20) drop = 6;
  else return Number.NaN;
  let v = 0;
  for (let j = z; j < intEnd - drop; j++) v = v * 10 + (s.charCodeAt(j) - D0);
  return scale === 1000 ? v * 1000 + fracMs : v;
}

/**
 * A JSON/epoch number spanning exactly s[a..b): `digits[.digits]`, or with an exponent
 * (`1.704207845123e+09`), normalised through Number -> String. NaN if not one.
 */
export function epochRange(s: string, a: number, b: number, depth = 0): number {
  let j = a;
  while (j < b && isDigitCode(s.charCodeAt(j))) j++;
  const intEnd = j;
  if (intEnd === a) return Number.NaN;
  let frac = 0;
  if (j < b && s.charCodeAt(j) === DOT) {
    const f = fractionMs(s, j + 1, b);
    if (f < 0) return Number.NaN;
    frac = f;
    j = S.end;
  }
  if (j < b && (s.charCodeAt(j) === LOWER_E || s.charCodeAt(j) === UPPER_E) && depth === 0) {
    const n = Number(s.slice(a, b));
    if (!Number.isFinite(n) || n < 0) return Number.NaN;
    const t = String(n);
    return epochRange(t, 0, t.length, 1);
  }
  if (j !== b) return Number.NaN;
  return epochFromDigits(s, a, intEnd, frac);
}

/** A timestamp value spanning exactly s[a..b): ISO (RFC 3339, space, slash) or epoch number. NaN if not. */
export function valueRange(s: string, a: number, b: number): number {
  if (b - a >= 19) {
    const c4 = s.charCodeAt(a + 4);
    if (c4 === DASH || c4 === SLASH) return parseIsoAt(s, a, b) === OK && S.end === b ? S.ms : Number.NaN;
  }
  return epochRange(s, a, b);
}
