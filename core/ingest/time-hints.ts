import { type TimeContext, parseLineTimestamp } from '../time/parse-timestamp.js';
import { stripLinePrefix } from '../findings/message-template.js';
import type { ScanSummary } from './line-scanner.js';

const MONO = /^\[\s*(\d{1,9}\.\d{1,9})\]/;

/** Seconds since boot of a raw dmesg line (`[12345.678901] …`), when that is all the time it has. */
export function monotonicSeconds(line: string): number | undefined {
  const m = MONO.exec(line);
  return m ? Number(m[1]) : undefined;
}

/**
 * Boot time from the bundle itself: `dmesg.current` (seconds since boot) and
 * `dmesg.human.current` (wall clock) print the same ring buffer, so the first message they share
 * pins boot time to the second. Without both, dmesg lines keep no wall time rather than a guess.
 */
export function bootTimeFromDmesg(scans: ReadonlyMap<string, ScanSummary>, referenceMs: number): number | undefined {
  const mono = scans.get('kernel/dmesg.current');
  const human = scans.get('kernel/dmesg.human.current');
  if (!mono || !human) return undefined;
  const byText = new Map<string, number>();
  for (const l of mono.head) {
    const s = monotonicSeconds(l);
    if (s !== undefined) byText.set(stripLinePrefix(l), s);
  }
  for (const l of human.head) {
    const t = parseLineTimestamp(l, { referenceMs });
    if (!t || t.format !== 'dmesg-human') continue;
    const s = byText.get(stripLinePrefix(l));
    if (s !== undefined) return t.ms - Math.round(s * 1000);
  }
  return undefined;
}

/** First and last timestamp of a file, from the lines the scanner kept at both ends. */
export function fileTimeRange(scan: ScanSummary, ctx: TimeContext): { first: string | null; last: string | null } {
  const pick = (lines: string[]) => {
    for (const l of lines) {
      const t = parseLineTimestamp(l, ctx);
      if (t) return new Date(t.ms).toISOString();
    }
    return null;
  };
  return { first: pick(scan.head), last: pick([...scan.tail].reverse()) };
}
