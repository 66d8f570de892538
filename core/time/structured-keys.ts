/**
 * Times embedded in a line's message rather than at its start: logfmt `time="…"` (containerd and
 * other Go logrus output, format 'containerd'), JSON `"ts"` / `"time"` / `"timestamp"` keys with a
 * string or numeric value ('json-ts'), and kernel `audit(<epoch>:<serial>)` stamps ('epoch').
 * The searches are bounded to the first STRUCT_WINDOW (or PREFIX_WINDOW) characters so that a
 * huge line costs a few bounded `indexOf` scans; the winner is left in the `S` scratch record and
 * its format in `embeddedFormat`.
 */

import { COLON, DASH, DOT, LOWER_E, PLUS, QUOTE, SP, TAB, UPPER_E } from './char-codes.js';
import { isDigitCode } from './date-parts.js';
import { parseIsoAt } from './iso-date-time.js';
import { PREFIX_WINDOW } from './prefix-formats.js';
import { OK, S } from './shape-scratch.js';
import type { TimestampFormat } from './timestamp-types.js';
import { epochRange, valueRange } from './timestamp-values.js';

/** Structured keys (`time="`, `"ts":` …) are only searched for in this many leading characters. */
const STRUCT_WINDOW = 4096;

// ---------------------------------------------------------------------------------------------
// Embedded structured times.

export let embeddedFormat: TimestampFormat = 'containerd';

function isSpaceCode(c: number): boolean {
  return c === SP || c === TAB;
}

/** First valid logfmt `time="…"` (or unquoted `time=2024-…`) at or after `from`; -1 if none. Sets S.ms. */
function findLogfmtTime(w: string, from: number): number {
  let k = w.indexOf('time=', from);
  while (k >= 0) {
    if (k === 0 || isSpaceCode(w.charCodeAt(k - 1))) {
      let v = k + 5;
      const quoted = w.charCodeAt(v) === QUOTE;
      if (quoted) v++;
      if (parseIsoAt(w, v, w.length) === OK) {
        const e = S.end;
        if (quoted ? w.charCodeAt(e) === QUOTE : e >= w.length || isSpaceCode(w.charCodeAt(e))) return k;
      }
    }
    k = w.indexOf('time=', k + 5);
  }
  return -1;
}

/** First valid JSON `"ts"`/`"time"`/`"timestamp"` (string or number value) at or after `from`; -1 if none. Sets S.ms. */
function findJsonTime(w: string, from: number): number {
  let k = w.indexOf('"t', from);
  while (k >= 0) {
    let j = -1;
    if (w.startsWith('ts"', k + 1)) j = k + 4;
    else if (w.startsWith('time"', k + 1)) j = k + 6;
    else if (w.startsWith('timestamp"', k + 1)) j = k + 11;
    if (j > 0) {
      while (isSpaceCode(w.charCodeAt(j))) j++;
      if (w.charCodeAt(j) === COLON) {
        j++;
        while (isSpaceCode(w.charCodeAt(j))) j++;
        let ms = Number.NaN;
        if (w.charCodeAt(j) === QUOTE) {
          const close = w.indexOf('"', j + 1);
          if (close > 0) ms = valueRange(w, j + 1, close);
        } else {
          let e = j;
          while (e < w.length && e - j < 40) {
            const c = w.charCodeAt(e);
            if (!(isDigitCode(c) || c === DOT || c === LOWER_E || c === UPPER_E || c === PLUS || c === DASH)) break;
            e++;
          }
          if (e > j) ms = epochRange(w, j, e);
        }
        if (Number.isFinite(ms)) {
          S.ms = ms;
          return k;
        }
      }
    }
    k = w.indexOf('"t', k + 2);
  }
  return -1;
}

/**
 * The first embedded structured time at or after `from` in the first STRUCT_WINDOW characters:
 * logfmt `time=` ('containerd') or JSON `"ts"`/`"time"`/`"timestamp"` ('json-ts'), whichever
 * comes first. Sets S.ms and embeddedFormat.
 */
export function findEmbedded(line: string, from: number): boolean {
  // A slice of a long string is O(1) in V8 (a sliced string), and bounds every indexOf below.
  const w = line.length > STRUCT_WINDOW ? line.slice(0, STRUCT_WINDOW) : line;
  const a = findLogfmtTime(w, from);
  const aMs = S.ms;
  const b = findJsonTime(w, from);
  if (a < 0 && b < 0) return false;
  if (a >= 0 && (b < 0 || a < b)) {
    S.ms = aMs;
    embeddedFormat = 'containerd';
  } else embeddedFormat = 'json-ts';
  return true;
}

/** `audit(1704207845.123:456)` in the first PREFIX_WINDOW characters. Sets S.ms. */
export function findAudit(line: string): boolean {
  const w = line.length > PREFIX_WINDOW ? line.slice(0, PREFIX_WINDOW) : line;
  const k = w.indexOf('audit(');
  if (k < 0) return false;
  const a = k + 6;
  const colon = w.indexOf(':', a);
  if (colon < 0 || colon - a > 32 || !isDigitCode(w.charCodeAt(colon + 1))) return false;
  const ms = epochRange(w, a, colon);
  if (!Number.isFinite(ms)) return false;
  S.ms = ms;
  return true;
}
