/**
 * The line-level decision of which timestamp is the line's own (the rules are in the module
 * comment of `parse-timestamp.ts`): one dispatch on the line's first character to the prefix
 * formats, the RFC 3339 / CRI / cloud-init / iso-space split of an ISO prefix, and the journal
 * chain that lets a klog header or an embedded structured time inside a journal-wrapped message
 * refine the prefix time. It combines the shape parsers and the structured-key search, and
 * answers `null` when no prefix is there so the caller can fall back to the embedded times.
 */

import { BOM, DASH, LBRACKET, SLASH, SP, UPPER_A, UPPER_F, UPPER_P, UPPER_Z } from './char-codes.js';
import { atBoundary, atSpaceOrEnd, DAY_MS, isDigitCode } from './date-parts.js';
import { parseIsoAt } from './iso-date-time.js';
import {
  dmesgHumanShape,
  dmesgMonotonicShape,
  journalMessageStart,
  klogShape,
  lineEpochShape,
  PREFIX_WINDOW,
  syslogShape,
  yearlessToMs,
} from './prefix-formats.js';
import { BAD, NO, OK, S } from './shape-scratch.js';
import { embeddedFormat, findEmbedded } from './structured-keys.js';
import type { ParsedTime, TimeContext, TimestampFormat } from './timestamp-types.js';

/** An embedded structured time replaces a journal prefix only when within this of it. */
const EMBEDDED_MAX_SKEW_MS = DAY_MS;

// ---------------------------------------------------------------------------------------------
// Line-level logic.

export function result(ms: number, format: TimestampFormat): ParsedTime | undefined {
  return Number.isFinite(ms) ? { ms, format } : undefined;
}

/**
 * Journal chain (see the module comment in parse-timestamp.ts): `prefixMs` is the journal
 * prefix; `msg` the index of the message after `host tag[pid]: ` (or -1 when none matched, for
 * syslog prefixes); `clock` the prefix's HH:MM:SS as written, packed hh*3600+mm*60+ss; `hasFrac`
 * whether it had a fraction.
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
export function parseLine(line: string, ctx: TimeContext): ParsedTime | undefined | null {
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
