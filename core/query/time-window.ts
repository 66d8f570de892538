import { parseTimestampValue } from '../time/parse-timestamp.js';

/** The time-window fields tools accept (DESIGN.md §5, the seed's names). */
export interface WindowInput {
  start_time?: string;
  end_time?: string;
  incident_time?: string;
  /** half-width around incident_time, minutes (default 5) */
  window_minutes?: number;
}

export interface ResolvedWindow {
  startMs: number;
  endMs: number;
  window_start_utc: string;
  window_end_utc: string;
  resolution_reason: 'explicit' | 'incident_time' | 'default';
}

export class WindowError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WindowError';
  }
}

const DAY = 24 * 3600 * 1000;

function parseTime(name: string, v: string): number {
  const ms = parseTimestampValue(v);
  if (ms === undefined) throw new WindowError(`${name} "${v.slice(0, 60)}" is not a time: use RFC 3339 UTC, e.g. 2024-03-14T08:40:00Z`);
  return ms;
}

/**
 * explicit start+end -> incident_time ± window_minutes (default 5) -> default. The default is the
 * 24 h that end at the bundle's collection time, not at "now", so an old bundle is never empty.
 */
export function resolveWindow(input: WindowInput, collectedAtMs: number): ResolvedWindow {
  const { start_time, end_time, incident_time } = input;
  let startMs: number;
  let endMs: number;
  let reason: ResolvedWindow['resolution_reason'];
  if (start_time !== undefined || end_time !== undefined) {
    if (start_time === undefined || end_time === undefined) {
      throw new WindowError('give both start_time and end_time, or incident_time, or neither (default: the 24 h before collection)');
    }
    startMs = parseTime('start_time', start_time);
    endMs = parseTime('end_time', end_time);
    if (endMs <= startMs) throw new WindowError(`end_time is not after start_time: swap them`);
    if (endMs - startMs > DAY) throw new WindowError('the window is longer than 24 h: narrow it, or page through it a day at a time');
    reason = 'explicit';
  } else if (incident_time !== undefined) {
    const t = parseTime('incident_time', incident_time);
    const half = (input.window_minutes ?? 5) * 60_000;
    if (!(half > 0) || half > DAY / 2) throw new WindowError('window_minutes must be between 1 and 720');
    startMs = t - half;
    endMs = t + half;
    reason = 'incident_time';
  } else {
    endMs = collectedAtMs;
    startMs = collectedAtMs - DAY;
    reason = 'default';
  }
  return { startMs, endMs, window_start_utc: new Date(startMs).toISOString(), window_end_utc: new Date(endMs).toISOString(), resolution_reason: reason };
}

/** Whether an item spanning [first, last] overlaps the window; untimed items are always kept. */
export function overlaps(w: ResolvedWindow, first: string | null, last: string | null): boolean {
  if (!first && !last) return true;
  const a = Date.parse(first ?? last!);
  const b = Date.parse(last ?? first!);
  return b >= w.startMs && a <= w.endMs;
}
