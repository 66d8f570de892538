/**
 * Year inference for yearless timestamps (syslog / journal, klog): the year is taken from the
 * bundle's collection time, stepping back when that would put the date too far in the future or
 * on a Feb 29 that does not exist. It keeps a one-entry cache of the reference year, since one
 * bundle has one reference time and this runs once per yearless line.
 */

import { civilMs, DAY_MS, daysInMonth } from './date-parts.js';
import type { TimeContext } from './timestamp-types.js';

/** A yearless date more than this far after the reference belongs to an earlier year. */
const FUTURE_TOLERANCE_MS = 7 * DAY_MS;

// One bundle has one reference time: remember its year rather than building a Date per line.
let cachedRefMs = Number.NaN;
let cachedRefYear = Number.NaN;

/**
 * The year of a yearless (syslog / klog) timestamp, relative to the bundle's collection time:
 * the reference year, unless that puts the date more than 7 days after the reference, in which
 * case it is the year before (a bundle collected on Jan 3 holding Dec 31 lines).
 *
 * Feb 29 never rolls over to Mar 1: a year in which the date does not exist is skipped, so the
 * answer is the most recent year, at most the reference year, in which the date exists and is not
 * more than 7 days after the reference (for Feb 29 that is the latest such leap year).
 * Impossible dates (Feb 30, month 13) have no such year; the reference year is returned and the
 * caller's validation rejects the date. A non-finite reference yields NaN.
 */
export function inferYear(month0: number, day: number, hh: number, mm: number, ss: number, ctx: TimeContext): number {
  const ref = ctx.referenceMs;
  if (!Number.isFinite(ref)) return Number.NaN;
  if (ref !== cachedRefMs) {
    cachedRefMs = ref;
    cachedRefYear = new Date(ref).getUTCFullYear();
  }
  const refYear = cachedRefYear;
  const latest = ref + FUTURE_TOLERANCE_MS;
  // Leap years are at most 8 apart (2096 -> 2104), so 9 candidates always find one for Feb 29.
  for (let y = refYear; y > refYear - 9; y--) {
    if (day < 1 || day > daysInMonth(y, month0)) continue;
    if (civilMs(y, month0, day, hh, mm, ss) <= latest) return y;
  }
  return refYear;
}
