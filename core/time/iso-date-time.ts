/**
 * The ISO-like date-time reader shared by the line prefixes, logfmt `time=` values and
 * standalone values: `HH:MM:SS[.f…]` clocks, `Z` / `±HH:MM` / `±HHMM` offsets, and the full
 * `YYYY-MM-DD(T| )HH:MM:SS…` / Go `YYYY/MM/DD HH:MM:SS…` form with its validation. Results go to
 * the `S` scratch record; which format name a match earns is decided by the callers.
 */

import { COLON, COMMA, DASH, DOT, LOWER_T, LOWER_Z, PLUS, SLASH, SP, UPPER_T, UPPER_Z } from './char-codes.js';
import { civilMs, daysInMonth, fractionMs, num2, num4 } from './date-parts.js';
import { BAD, NO, OK, type Outcome, S } from './shape-scratch.js';

/**
 * `HH:MM:SS` at s[i], optionally followed by `.fff…` (or `,fff…` when allowComma). Fills S.hh,
 * S.mi, S.ss, S.frac, S.hasFrac, S.comma, S.end.
 */
export function parseClock(s: string, i: number, lim: number, allowComma: boolean): Outcome {
  const hh = num2(s, i);
  const mi = num2(s, i + 3);
  const ss = num2(s, i + 6);
  if (hh < 0 || mi < 0 || ss < 0 || s.charCodeAt(i + 2) !== COLON || s.charCodeAt(i + 5) !== COLON) return NO;
  S.hh = hh;
  S.mi = mi;
  S.ss = ss;
  S.frac = 0;
  S.hasFrac = false;
  S.comma = false;
  S.end = i + 8;
  const c = s.charCodeAt(i + 8);
  if (c === DOT || (allowComma && c === COMMA)) {
    const f = fractionMs(s, i + 9, lim);
    if (f >= 0) {
      S.frac = f;
      S.hasFrac = true;
      S.comma = c === COMMA;
    } // else a lone '.'/',' after the seconds: left for the caller's boundary check
  }
  // Leap second 60 is rejected too: it cannot be represented without rolling over.
  return hh > 23 || mi > 59 || ss > 59 ? BAD : OK;
}

const NO_OFFSET = Number.POSITIVE_INFINITY;
const BAD_OFFSET = Number.NEGATIVE_INFINITY;

/** `Z`, `+HH:MM`, `+HHMM` (or `-`) at s[i] -> offset in ms (local = UTC + offset); sets S.end. */
function parseOffset(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c === UPPER_Z || c === LOWER_Z) {
    S.end = i + 1;
    return 0;
  }
  if (c !== PLUS && c !== DASH) return NO_OFFSET;
  const oh = num2(s, i + 1);
  let om: number;
  let end: number;
  if (s.charCodeAt(i + 3) === COLON) {
    om = num2(s, i + 4);
    end = i + 6;
  } else {
    om = num2(s, i + 3);
    end = i + 5;
  }
  if (oh < 0 || om < 0 || oh > 23 || om > 59) return BAD_OFFSET;
  S.end = end;
  const off = (oh * 60 + om) * 60_000;
  return c === PLUS ? off : -off;
}

/**
 * ISO-like date-time at s[i]: `YYYY-MM-DD(T|t| )HH:MM:SS[.f…][offset]`, also `,f…` after a space
 * separator (Python logging) and `YYYY/MM/DD HH:MM:SS[.f…]` (Go log). Fills S.ms, S.end, S.tSep,
 * S.slash, S.comma, S.hasFrac and the wall-clock fields as written.
 */
export function parseIsoAt(s: string, i: number, lim: number): Outcome {
  const y = num4(s, i);
  const sep = s.charCodeAt(i + 4);
  if (y < 0 || (sep !== DASH && sep !== SLASH) || s.charCodeAt(i + 7) !== sep) return NO;
  const mo = num2(s, i + 5);
  const d = num2(s, i + 8);
  if (mo < 0 || d < 0) return NO;
  const t = s.charCodeAt(i + 10);
  const tSep = t === UPPER_T || t === LOWER_T;
  if (sep === SLASH ? t !== SP : !tSep && t !== SP) return NO;
  const clock = parseClock(s, i + 11, lim, !tSep);
  if (clock === NO) return NO;
  let off = 0;
  const o = parseOffset(s, S.end);
  if (o === BAD_OFFSET) return BAD;
  if (o !== NO_OFFSET) off = o;
  if (clock === BAD || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo - 1)) return BAD;
  S.month0 = mo - 1;
  S.day = d;
  S.tSep = tSep;
  S.slash = sep === SLASH;
  S.ms = civilMs(y, mo - 1, d, S.hh, S.mi, S.ss) + S.frac - off;
  return OK;
}
