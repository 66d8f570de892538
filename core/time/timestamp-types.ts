/**
 * The public value types of timestamp parsing: the format names a parsed time can carry, the
 * bundle context (collection time, boot time) that yearless and boot-relative formats need, and
 * the parsed result. They live apart from the parsers so that every parser module can name them
 * without importing the public entry (`parse-timestamp.ts`), which re-exports them unchanged.
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
