/**
 * Shape parsers for the timestamps that start a line, other than the ISO family (RFC 3339, CRI,
 * cloud-init, iso-space, which `iso-date-time.ts` reads): klog headers, syslog / journal month-name
 * prefixes, dmesg -T and dmesg monotonic brackets, bare epoch numbers, plus the ` host tag[pid]: `
 * that follows a journal prefix. Each reports an `Outcome` and fills the `S` scratch record;
 * choosing among them by the line's first character is left to `line-dispatch.ts`.
 */

import { COLON, D0, DOT, LBRACKET, RBRACKET, SP, UPPER_E, UPPER_F, UPPER_I, UPPER_W } from './char-codes.js';
import { atBoundary, atSpaceOrEnd, civilMs, daysInMonth, digitAt, fractionMs, isDigitCode, num2, num4 } from './date-parts.js';
import { parseClock } from './iso-date-time.js';
import { isWeekdayAt, monthAt } from './month-names.js';
import { BAD, NO, OK, type Outcome, S } from './shape-scratch.js';
import type { TimeContext } from './timestamp-types.js';
import { epochFromDigits } from './timestamp-values.js';
import { inferYear } from './year-inference.js';

/** Prefix formats are only looked for in this many leading characters. */
export const PREFIX_WINDOW = 256;
/** Epoch numbers at the very start of a line are only believed within [2000, 2100): guards against counters. */
const LINE_EPOCH_MIN_MS = 946_684_800_000;
const LINE_EPOCH_MAX_MS = 4_102_444_800_000;

// ---------------------------------------------------------------------------------------------
// Prefix shapes.

/** Turns the yearless fields in S (month0, day, clock, frac) into S.ms via inferYear. */
export function yearlessToMs(ctx: TimeContext): Outcome {
  if (S.month0 < 0 || S.month0 > 11 || S.day < 1 || S.day > 31) return BAD;
  const y = inferYear(S.month0, S.day, S.hh, S.mi, S.ss, ctx);
  if (!Number.isFinite(y) || S.day > daysInMonth(y, S.month0)) return BAD;
  S.ms = civilMs(y, S.month0, S.day, S.hh, S.mi, S.ss) + S.frac;
  return OK;
}

/** klog header `Lmmdd hh:mm:ss.uuuuuu` at s[i] (L in IWEF). Fills yearless fields in S. */
export function klogShape(s: string, i: number, lim: number): Outcome {
  const l = s.charCodeAt(i);
  if (l !== UPPER_I && l !== UPPER_W && l !== UPPER_E && l !== UPPER_F) return NO;
  const mo = num2(s, i + 1);
  const d = num2(s, i + 3);
  if (mo < 0 || d < 0 || s.charCodeAt(i + 5) !== SP) return NO;
  const clock = parseClock(s, i + 6, lim, false);
  if (clock === NO || !atSpaceOrEnd(s, S.end)) return NO;
  if (clock === BAD || mo < 1 || mo > 12 || d < 1 || d > 31) return BAD;
  S.month0 = mo - 1;
  S.day = d;
  return OK;
}

/**
 * syslog/journal `Mon dd hh:mm:ss[.ffffff]` at s[i]; the day may be `02`, ` 2` or `2`.
 * Fills yearless fields in S.
 */
export function syslogShape(s: string, i: number, lim: number): Outcome {
  const month0 = monthAt(s, i);
  if (month0 < 0 || s.charCodeAt(i + 3) !== SP) return NO;
  let d: number;
  let j: number;
  const a = s.charCodeAt(i + 4);
  if (a === SP) {
    d = digitAt(s, i + 5);
    j = i + 6;
  } else if (num2(s, i + 4) >= 0) {
    d = num2(s, i + 4);
    j = i + 6;
  } else {
    d = digitAt(s, i + 4);
    j = i + 5;
  }
  if (d < 0 || s.charCodeAt(j) !== SP) return NO;
  const clock = parseClock(s, j + 1, lim, false);
  if (clock === NO || !atSpaceOrEnd(s, S.end)) return NO;
  if (clock === BAD || d < 1 || d > 31) return BAD;
  S.month0 = month0;
  S.day = d;
  return OK;
}

/** dmesg -T `[Tue Jan  2 15:04:05 2024]` at s[i]. Fills S.ms and S.end. */
export function dmesgHumanShape(s: string, i: number, lim: number): Outcome {
  if (!isWeekdayAt(s, i + 1) || s.charCodeAt(i + 4) !== SP) return NO;
  const month0 = monthAt(s, i + 5);
  if (month0 < 0 || s.charCodeAt(i + 8) !== SP) return NO;
  const d = s.charCodeAt(i + 9) === SP ? digitAt(s, i + 10) : num2(s, i + 9);
  if (d < 0 || s.charCodeAt(i + 11) !== SP) return NO;
  const clock = parseClock(s, i + 12, lim, false);
  if (clock === NO) return NO;
  const e = S.end;
  const y = num4(s, e + 1);
  if (s.charCodeAt(e) !== SP || y < 0 || s.charCodeAt(e + 5) !== RBRACKET) return NO;
  if (clock === BAD || d < 1 || d > daysInMonth(y, month0)) return BAD;
  S.ms = civilMs(y, month0, d, S.hh, S.mi, S.ss) + S.frac;
  S.end = e + 6;
  return OK;
}

/** dmesg `[  12345.678901]` at s[i]: seconds since boot as ms into S.ms (relative). */
export function dmesgMonotonicShape(s: string, i: number, lim: number): Outcome {
  let j = i + 1;
  while (j < lim && s.charCodeAt(j) === SP) j++;
  const a = j;
  let secs = 0;
  while (j < lim && isDigitCode(s.charCodeAt(j))) {
    secs = secs * 10 + (s.charCodeAt(j) - D0);
    j++;
  }
  // At most 12 integer digits (~31,000 years of uptime) keeps the arithmetic exact.
  if (j === a || j - a > 12 || s.charCodeAt(j) !== DOT) return NO;
  const f = fractionMs(s, j + 1, lim);
  if (f < 0 || s.charCodeAt(S.end) !== RBRACKET) return NO;
  S.ms = secs * 1000 + f;
  S.end += 1;
  return OK;
}

/** Epoch number at the line start, followed by a non-alphanumeric. Fills S.ms. */
export function lineEpochShape(s: string, i: number, lim: number): Outcome {
  let j = i;
  while (j < lim && j - i <= 20 && isDigitCode(s.charCodeAt(j))) j++;
  const intEnd = j;
  if (intEnd - i < 9 || intEnd - i > 20) return NO;
  let frac = 0;
  if (s.charCodeAt(j) === DOT) {
    const f = fractionMs(s, j + 1, lim);
    if (f < 0) return NO;
    frac = f;
    j = S.end;
  }
  if (!atBoundary(s, j) || s.charCodeAt(j) === DOT) return NO;
  const ms = epochFromDigits(s, i, intEnd, frac);
  if (!(ms >= LINE_EPOCH_MIN_MS && ms < LINE_EPOCH_MAX_MS)) return NO;
  S.ms = ms;
  S.end = j;
  return OK;
}

/** ` host tag[pid]: ` / ` host tag: ` at s[i] (the char after a journal prefix) -> message index, or -1. */
export function journalMessageStart(s: string, i: number, lim: number): number {
  if (s.charCodeAt(i) !== SP) return -1;
  let j = i + 1;
  const host = j;
  while (j < lim && s.charCodeAt(j) > SP) j++;
  if (j === host || s.charCodeAt(j) !== SP) return -1;
  j++;
  const tag = j;
  while (j < lim) {
    const c = s.charCodeAt(j);
    if (c <= SP || c === COLON || c === LBRACKET) break;
    j++;
  }
  if (j === tag) return -1;
  if (s.charCodeAt(j) === LBRACKET) {
    j++;
    const pid = j;
    while (j < lim && isDigitCode(s.charCodeAt(j))) j++;
    if (j === pid || s.charCodeAt(j) !== RBRACKET) return -1;
    j++;
  }
  if (s.charCodeAt(j) !== COLON) return -1;
  j++;
  if (j >= s.length) return j;
  return s.charCodeAt(j) === SP ? j + 1 : -1;
}
