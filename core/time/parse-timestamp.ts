import { isWeekdayAt, monthAt } from './month-names.js';

/**
 * Timestamp parsing for the log shapes found in EKS node bundles (`eks-log-collector.sh` output).
 *
 * Everything is UTC: EKS AMIs log in UTC, so a timestamp without an offset is read as UTC, and an
 * explicit `Z` / `+02:00` / `+0200` is honoured.
 *
 * Performance: this runs on millions of lines, so the parser is hand-written over char codes —
 * no regexes at all (hence nothing that can backtrack), no allocation on the common paths, one
 * dispatch on the line's first character before any format is tried. Prefix formats only look at
 * the first PREFIX_WINDOW characters; the structured keys (`time="`, `"ts":`, `"time":`,
 * `"timestamp":`) are searched with `indexOf` in the first STRUCT_WINDOW characters only, so a
 * 1 MiB line costs at most a few 4 KiB scans.
 *
 * Precision: fractions of any length (typically up to nanoseconds) are accepted and truncated to
 * milliseconds.
 *
 * Which timestamp is "the line's own" (parseLineTimestamp):
 *  - the prefix at the start of the line, tried by first character:
 *      digit -> RFC 3339 / CRI / cloud-init / ISO-with-space / Go `YYYY/MM/DD` / epoch;
 *      `[`   -> dmesg -T (`[Tue Jan  2 15:04:05 2024]`) or dmesg monotonic (`[12345.678901]`);
 *      `IWEF` + digit -> klog header; other capital -> syslog/journal month name;
 *  - a CRI line (`<RFC 3339> stdout|stderr F|P msg`) always takes its prefix, whatever msg holds;
 *  - a journal-wrapped line — a syslog prefix, or an RFC 3339 prefix (journalctl `-o short-iso`)
 *    followed by `host tag[pid]: ` — continues its chain into the message:
 *      1. if the message starts with a klog header, the result is the journal prefix time, plus
 *         the klog header's fractional seconds when the prefix has none and the klog HH:MM:SS
 *         equals the prefix's (as written). Format stays that of the prefix.
 *      2. otherwise, an embedded structured time (`time="…"` -> 'containerd', JSON `"ts"` /
 *         `"time"` / `"timestamp"` -> 'json-ts') found in the message is preferred over the prefix
 *         when the two are within 24 h of each other (it is more precise); else the prefix wins.
 *  - with no recognised prefix, the first embedded structured time in the line (first 4 KiB), then
 *    an `audit(<epoch>:<serial>)` stamp in the first 256 characters ('epoch').
 *  - a prefix whose shape matches but whose values are impossible (month 13, Feb 30, 25:00:00)
 *    makes the whole line undefined: the line's own timestamp is broken, and a time found further
 *    in would not be the line's own.
 *  - dmesg monotonic without `bootMs` is undefined (no wall time can be derived).
 */

export type TimestampFormat =
  | 'rfc3339'
  | 'klog'
  | 'syslog'
  | 'dmesg-human'
  | 'dmesg-monotonic'
  | 'containerd'
  | 'json-ts'
  | 'cri'
  | 'epoch'
  | 'cloud-init'
  | 'iso-space';

export interface TimeContext {
  /** Collection time of the bundle (ms since epoch, UTC): the anchor for year inference. */
  referenceMs: number;
  /** Boot time (ms since epoch) if known: turns dmesg `[12345.678901]` seconds-since-boot into wall time. */
  bootMs?: number;
}

export interface ParsedTime {
  ms: number;
  format: TimestampFormat;
}

/** Prefix formats are only looked for in this many leading characters. */
const PREFIX_WINDOW = 256;
/** Structured keys (`time="`, `"ts":` …) are only searched for in this many leading characters. */
const STRUCT_WINDOW = 4096;
const DAY_MS = 86_400_000;
/** A yearless date more than this far after the reference belongs to an earlier year. */
const FUTURE_TOLERANCE_MS = 7 * DAY_MS;
/** An embedded structured time replaces a journal prefix only when within this of it. */
const EMBEDDED_MAX_SKEW_MS = DAY_MS;
/** Epoch numbers at the very start of a line are only believed within [2000, 2100): guards against counters. */
const LINE_EPOCH_MIN_MS = 946_684_800_000;
const LINE_EPOCH_MAX_MS = 4_102_444_800_000;

// Character codes.
const TAB = 9;
const SP = 32;
const QUOTE = 34;
const PLUS = 43;
const COMMA = 44;
const DASH = 45;
const DOT = 46;
const SLASH = 47;
const D0 = 48;
const COLON = 58;
const UPPER_A = 65;
const UPPER_Z = 90;
const LBRACKET = 91;
const RBRACKET = 93;
const LOWER_A = 97;
const LOWER_Z = 122;
const UPPER_E = 69;
const UPPER_F = 70;
const UPPER_I = 73;
const UPPER_T = 84;
const UPPER_W = 87;
const LOWER_E = 101;
const LOWER_T = 116;
const UPPER_P = 80;
const LBRACE = 123;
const BOM = 0xfeff;

// Outcome of a shape parser: the shape is not there / it is there and valid / it is there but
// holds impossible values.
const NO = 0;
const OK = 1;
const BAD = -1;
type Outcome = typeof NO | typeof OK | typeof BAD;

/**
 * Scratch results of the last shape parser (single-threaded, synchronous: avoids allocating a
 * result object per attempt). Callers copy what they need before calling another parser.
 */
const S = {
  end: 0, // index just past what was parsed
  ms: 0, // parsed instant (for parsers that know the year)
  month0: 0,
  day: 0,
  hh: 0,
  mi: 0,
  ss: 0,
  frac: 0, // truncated milliseconds of the fraction
  hasFrac: false,
  comma: false, // fraction introduced by ',' (Python logging / cloud-init)
  tSep: false, // ISO date and time separated by 'T'
  slash: false, // date written YYYY/MM/DD (Go log package)
};

// ---------------------------------------------------------------------------------------------
// Calendar helpers (no Date objects, no Date.UTC two-digit-year quirks).

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(y: number, month0: number): number {
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
function civilMs(y: number, month0: number, d: number, hh: number, mi: number, ss: number): number {
  return daysFromCivil(y, month0, d) * DAY_MS + ((hh * 60 + mi) * 60 + ss) * 1000;
}

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

// ---------------------------------------------------------------------------------------------
// Character-level helpers. charCodeAt past the end is NaN, which fails every comparison, so the
// fixed-width readers need no explicit bounds checks.

function digitAt(s: string, i: number): number {
  const d = s.charCodeAt(i) - D0;
  return d >= 0 && d <= 9 ? d : -1;
}

function isDigitCode(c: number): boolean {
  return c >= D0 && c <= D0 + 9;
}

function num2(s: string, i: number): number {
  const a = digitAt(s, i);
  const b = digitAt(s, i + 1);
  return a < 0 || b < 0 ? -1 : a * 10 + b;
}

function num4(s: string, i: number): number {
  const a = num2(s, i);
  const b = num2(s, i + 2);
  return a < 0 || b < 0 ? -1 : a * 100 + b;
}

function isAlnumCode(c: number): boolean {
  return isDigitCode(c) || (c >= UPPER_A && c <= UPPER_Z) || (c >= LOWER_A && c <= LOWER_Z);
}

/** A timestamp must not run straight into a letter or digit (`…05Zfoo`, `…05123`). */
function atBoundary(s: string, i: number): boolean {
  return i >= s.length || !isAlnumCode(s.charCodeAt(i));
}

/** End of line, space or tab: what follows a klog / syslog / dmesg prefix. */
function atSpaceOrEnd(s: string, i: number): boolean {
  if (i >= s.length) return true;
  const c = s.charCodeAt(i);
  return c === SP || c === TAB;
}

/** Digits from s[i] (at least one) up to `lim`, truncated to ms. Sets S.end. Returns -1 if no digit. */
function fractionMs(s: string, i: number, lim: number): number {
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

/**
 * `HH:MM:SS` at s[i], optionally followed by `.fff…` (or `,fff…` when allowComma). Fills S.hh,
 * S.mi, S.ss, S.frac, S.hasFrac, S.comma, S.end.
 */
function parseClock(s: string, i: number, lim: number, allowComma: boolean): Outcome {
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
function parseIsoAt(s: string, i: number, lim: number): Outcome {
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

/** Epoch ms from digits s[a..intEnd) (leading zeros allowed) and a truncated fraction; magnitude picks the unit. */
function epochFromDigits(s: string, a: number, intEnd: number, fracMs: number): number {
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
function epochRange(s: string, a: number, b: number, depth = 0): number {
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
function valueRange(s: string, a: number, b: number): number {
  if (b - a >= 19) {
    const c4 = s.charCodeAt(a + 4);
    if (c4 === DASH || c4 === SLASH) return parseIsoAt(s, a, b) === OK && S.end === b ? S.ms : Number.NaN;
  }
  return epochRange(s, a, b);
}

// ---------------------------------------------------------------------------------------------
// Prefix shapes.

/** Turns the yearless fields in S (month0, day, clock, frac) into S.ms via inferYear. */
function yearlessToMs(ctx: TimeContext): Outcome {
  if (S.month0 < 0 || S.month0 > 11 || S.day < 1 || S.day > 31) return BAD;
  const y = inferYear(S.month0, S.day, S.hh, S.mi, S.ss, ctx);
  if (!Number.isFinite(y) || S.day > daysInMonth(y, S.month0)) return BAD;
  S.ms = civilMs(y, S.month0, S.day, S.hh, S.mi, S.ss) + S.frac;
  return OK;
}

/** klog header `Lmmdd hh:mm:ss.uuuuuu` at s[i] (L in IWEF). Fills yearless fields in S. */
function klogShape(s: string, i: number, lim: number): Outcome {
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
function syslogShape(s: string, i: number, lim: number): Outcome {
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
function dmesgHumanShape(s: string, i: number, lim: number): Outcome {
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
function dmesgMonotonicShape(s: string, i: number, lim: number): Outcome {
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
function lineEpochShape(s: string, i: number, lim: number): Outcome {
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
function journalMessageStart(s: string, i: number, lim: number): number {
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

// ---------------------------------------------------------------------------------------------
// Embedded structured times.

let embeddedFormat: TimestampFormat = 'containerd';

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
function findEmbedded(line: string, from: number): boolean {
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
function findAudit(line: string): boolean {
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

// ---------------------------------------------------------------------------------------------
// Line-level logic.

function result(ms: number, format: TimestampFormat): ParsedTime | undefined {
  return Number.isFinite(ms) ? { ms, format } : undefined;
}

/**
 * Journal chain (see the module comment): `prefixMs` is the journal prefix; `msg` the index of
 * the message after `host tag[pid]: ` (or -1 when none matched, for syslog prefixes); `clock`
 * the prefix's HH:MM:SS as written, packed hh*3600+mm*60+ss; `hasFrac` whether it had a fraction.
 */
function journalChain(
  line: string,
  lim: number,
  prefixMs: number,
  prefixFormat: TimestampFormat,
  msg: number,
  searchFrom: number,
  clock: number,
  hasFrac: boolean,
): ParsedTime | undefined {
  if (msg >= 0 && klogShape(line, msg, Math.min(line.length, Math.max(lim, msg + 64))) === OK) {
    const klogClock = S.hh * 3600 + S.mi * 60 + S.ss;
    return result(!hasFrac && klogClock === clock ? prefixMs + S.frac : prefixMs, prefixFormat);
  }
  if (findEmbedded(line, searchFrom) && Math.abs(S.ms - prefixMs) <= EMBEDDED_MAX_SKEW_MS) {
    return result(S.ms, embeddedFormat);
  }
  return result(prefixMs, prefixFormat);
}

function isoLine(line: string, p: number, lim: number): ParsedTime | undefined | null {
  const o = parseIsoAt(line, p, lim);
  if (o === BAD) return undefined;
  if (o === NO || !atBoundary(line, S.end)) return null;
  const ms = S.ms;
  const e = S.end;
  if (S.slash) return result(ms, 'iso-space');
  if (!S.tSep) return result(ms, S.comma ? 'cloud-init' : 'iso-space');
  // CRI: `<ts> stdout|stderr F|P <msg>`.
  if (
    line.charCodeAt(e) === SP &&
    (line.startsWith('stdout ', e + 1) || line.startsWith('stderr ', e + 1)) &&
    (line.charCodeAt(e + 8) === UPPER_F || line.charCodeAt(e + 8) === UPPER_P) &&
    atSpaceOrEnd(line, e + 9)
  ) {
    return result(ms, 'cri');
  }
  const msg = journalMessageStart(line, e, lim);
  if (msg < 0) return result(ms, 'rfc3339');
  return journalChain(line, lim, ms, 'rfc3339', msg, msg, S.hh * 3600 + S.mi * 60 + S.ss, S.hasFrac);
}

/** parseLineTimestamp without the safety net. `null` = no prefix found, keep looking. */
function parseLine(line: string, ctx: TimeContext): ParsedTime | undefined | null {
  let p = 0;
  if (line.charCodeAt(0) === BOM) p = 1;
  const lim = Math.min(line.length, PREFIX_WINDOW);
  const c = line.charCodeAt(p);

  if (isDigitCode(c)) {
    const c4 = line.charCodeAt(p + 4);
    if (c4 === DASH || c4 === SLASH) return isoLine(line, p, lim);
    return lineEpochShape(line, p, lim) === OK ? result(S.ms, 'epoch') : null;
  }

  if (c === LBRACKET) {
    const n = line.charCodeAt(p + 1);
    if (n === SP || isDigitCode(n)) {
      if (dmesgMonotonicShape(line, p, lim) !== OK) return null;
      const boot = ctx.bootMs;
      if (boot === undefined || !Number.isFinite(boot)) return undefined;
      return result(Math.floor(boot) + S.ms, 'dmesg-monotonic');
    }
    const o = dmesgHumanShape(line, p, lim);
    if (o === BAD) return undefined;
    return o === OK ? result(S.ms, 'dmesg-human') : null;
  }

  if (c >= UPPER_A && c <= UPPER_Z) {
    if (isDigitCode(line.charCodeAt(p + 1))) {
      const o = klogShape(line, p, lim);
      if (o === NO) return null;
      if (o === BAD || yearlessToMs(ctx) !== OK) return undefined;
      return result(S.ms, 'klog');
    }
    const o = syslogShape(line, p, lim);
    if (o === NO) return null;
    if (o === BAD) return undefined;
    const e = S.end;
    const clock = S.hh * 3600 + S.mi * 60 + S.ss;
    const hasFrac = S.hasFrac;
    if (yearlessToMs(ctx) !== OK) return undefined;
    const ms = S.ms;
    const msg = journalMessageStart(line, e, lim);
    return journalChain(line, lim, ms, 'syslog', msg, msg >= 0 ? msg : e, clock, hasFrac);
  }

  return null;
}

/** The line's own timestamp (the one that starts the line or its prefix chain), or undefined. Never throws. */
export function parseLineTimestamp(line: string, ctx: TimeContext): ParsedTime | undefined {
  try {
    if (typeof line !== 'string' || line.length === 0) return undefined;
    const r = parseLine(line, ctx);
    if (r !== null) return r;
    if (findEmbedded(line, 0)) return result(S.ms, embeddedFormat);
    if (findAudit(line)) return result(S.ms, 'epoch');
    return undefined;
  } catch {
    return undefined;
  }
}

/** Parses a standalone timestamp string (RFC 3339, ISO with space, epoch s/ms/us/ns numeric strings). */
export function parseTimestampValue(value: string | number): number | undefined {
  try {
    let s: string;
    if (typeof value === 'number') {
      if (!Number.isFinite(value) || value < 0) return undefined;
      s = String(value);
    } else if (typeof value === 'string') {
      s = value.trim();
    } else return undefined;
    if (s.length === 0 || s.length > 64) return undefined;
    const ms = valueRange(s, 0, s.length);
    return Number.isFinite(ms) ? ms : undefined;
  } catch {
    return undefined;
  }
}
