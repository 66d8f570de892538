/** Seconds in a spec duration (`2h`, `30m`, `1h30m`, `45s`), the subset of Go durations the CRD pattern allows; undefined when it is not one. */
export function durationSeconds(s: string): number | undefined {
  const m = /^(?:([0-9]{1,4})h)?(?:([0-9]{1,6})m)?(?:([0-9]{1,7})s)?$/.exec(s);
  if (!m || s.length === 0) return undefined;
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}
