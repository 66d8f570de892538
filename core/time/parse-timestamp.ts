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
 *
 * Layout: this file is the public entry; the work is split by responsibility across core/time/ —
 * `line-dispatch.ts` (which timestamp is the line's own, the journal chain), `prefix-formats.ts` and
 * `iso-date-time.ts` (line-start shapes), `structured-keys.ts` (embedded `time=` / JSON / audit
 * times), `timestamp-values.ts` (whole epoch / ISO values), `year-inference.ts`, `date-parts.ts`
 * (calendar and digit readers), over `char-codes.ts`, `shape-scratch.ts` and `timestamp-types.ts`.
 */

import { parseLine, result } from './line-dispatch.js';
import { S } from './shape-scratch.js';
import { embeddedFormat, findAudit, findEmbedded } from './structured-keys.js';
import type { ParsedTime, TimeContext } from './timestamp-types.js';
import { valueRange } from './timestamp-values.js';

export type { ParsedTime, TimeContext, TimestampFormat } from './timestamp-types.js';
export { inferYear } from './year-inference.js';

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
