/**
 * Building blocks of every timestamp format: calendar arithmetic (leap years, days in a month,
 * UTC milliseconds of a validated civil date-time, without Date objects) and the char-code
 * readers that pick digits, fixed-width numbers and truncated fractions out of a line and test
 * the boundaries around a timestamp. They hold no format knowledge of their own, so the ISO,
 * epoch, prefix and structured-key parsers all build on them.
 */

import { D0, LOWER_A, LOWER_Z, SP, TAB, UPPER_A, UPPER_Z } from './char-codes.js';
import { S } from './shape-scratch.js';

export const DAY_MS = 86_400_000;

// ---------------------------------------------------------------------------------------------
// Calendar helpers (no Date objects, no Date.UTC two-digit-year quirks).

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function daysInMonth(y: number, month0: number): number {
  if (month0 === 1) return isLeap(y) ? 29 : 28;
  return DAYS_IN_MONTH[month0] ?? 0;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(y: number, month0: number, d: number): number {
  const m = month0 + 1;
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** UTC ms of an already validated civil date-time. */
export function civilMs(y: number, month0: number, d: number, hh: number, mi: number, ss: number): number {
  return daysFromCivil(y, month0, d) * DAY_MS + ((hh * 60 + mi) * 60 + ss) * 1000;
}

// ---------------------------------------------------------------------------------------------
// Character-level helpers. charCodeAt past the end is NaN, which fails every comparison, so the
// fixed-width readers need no explicit bounds checks.

export function digitAt(s: string, i: number): number {
  const d = s.charCodeAt(i) - D0;
  return d >= 0 && d <= 9 ? d : -1;
}

export function isDigitCode(c: number): boolean {
  return c >= D0 && c <= D0 + 9;
}

export function num2(s: string, i: number): number {
  const a = digitAt(s, i);
  const b = digitAt(s, i + 1);
  return a < 0 || b < 0 ? -1 : a * 10 + b;
}

export function num4(s: string, i: number): number {
  const a = num2(s, i);
  const b = num2(s, i + 2);
  return a < 0 || b < 0 ? -1 : a * 100 + b;
}

function isAlnumCode(c: number): boolean {
  return isDigitCode(c) || (c >= UPPER_A && c <= UPPER_Z) || (c >= LOWER_A && c <= LOWER_Z);
}

/** A timestamp must not run straight into a letter or digit (`…05Zfoo`, `…05123`). */
export function atBoundary(s: string, i: number): boolean {
  return i >= s.length || !isAlnumCode(s.charCodeAt(i));
}

/** End of line, space or tab: what follows a klog / syslog / dmesg prefix. */
export function atSpaceOrEnd(s: string, i: number): boolean {
  if (i >= s.length) return true;
  const c = s.charCodeAt(i);
  return c === SP || c === TAB;
}

/** Digits from s[i] (at least one) up to `lim`, truncated to ms. Sets S.end. Returns -1 if no digit. */
export function fractionMs(s: string, i: number, lim: number): number {
  let ms = 0;
  let n = 0;
  let j = i;
  while (j < lim) {
    const d = digitAt(s, j);
    if (d < 0) break;
    if (n < 3) ms = ms * 10 + d;
    n++;
    j++;
  }
  if (n === 0) return -1;
  for (let k = n; k < 3; k++) ms *= 10;
  S.end = j;
  return ms;
}
