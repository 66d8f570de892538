/** English three-letter month abbreviations, as syslog, journald, dmesg -T and klog-era tools print them. */
export const MONTH_ABBR = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

/** English three-letter weekday abbreviations, Sunday first (matches `Date#getUTCDay`). */
export const WEEKDAY_ABBR = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;

/** Packs three ASCII character codes into one integer key; -1 if any is missing or not ASCII. */
function key3(s: string, i: number): number {
  const a = s.charCodeAt(i);
  const b = s.charCodeAt(i + 1);
  const c = s.charCodeAt(i + 2);
  // NaN (past the end) fails these comparisons too.
  if (!(a < 128 && b < 128 && c < 128)) return -1;
  return (a << 16) | (b << 8) | c;
}

const MONTH_BY_KEY = new Map<number, number>(MONTH_ABBR.map((m, i) => [key3(m, 0), i]));
const WEEKDAY_KEYS = new Set<number>(WEEKDAY_ABBR.map((d) => key3(d, 0)));

/** Zero-based month of the abbreviation at `s[i..i+3)` (exact case, e.g. `Jan`), or -1. No allocation. */
export function monthAt(s: string, i: number): number {
  return MONTH_BY_KEY.get(key3(s, i)) ?? -1;
}

/** Whether `s[i..i+3)` is a weekday abbreviation (exact case, e.g. `Tue`). No allocation. */
export function isWeekdayAt(s: string, i: number): boolean {
  return WEEKDAY_KEYS.has(key3(s, i));
}
