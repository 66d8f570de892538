import { describe, expect, it } from 'vitest';
import {
  inferYear,
  parseLineTimestamp,
  parseTimestampValue,
  type TimeContext,
  type TimestampFormat,
} from './parse-timestamp.js';

/** Bundle collected 2024-01-03T00:00:00Z: most examples are from the day before. */
const ctx: TimeContext = { referenceMs: Date.parse('2024-01-03T00:00:00Z') };
const at = (iso: string): TimeContext => ({ referenceMs: Date.parse(iso) });

/** The parse result as `[ISO string, format]`, or undefined. */
function parsed(line: string, c: TimeContext = ctx): [string, TimestampFormat] | undefined {
  const r = parseLineTimestamp(line, c);
  return r === undefined ? undefined : [new Date(r.ms).toISOString(), r.format];
}

describe('parseLineTimestamp: one test per format', () => {
  it('rfc3339: nanosecond fraction and Z at the start of a plain log line, truncated to ms', () => {
    expect(parsed('2024-01-02T15:04:05.123456789Z INFO starting nodeadm')).toEqual(['2024-01-02T15:04:05.123Z', 'rfc3339']);
  });

  it('rfc3339: an explicit +02:00 offset is honoured', () => {
    expect(parsed('2024-01-02T15:04:05+02:00 level=info something')).toEqual(['2024-01-02T13:04:05.000Z', 'rfc3339']);
  });

  it('rfc3339: journalctl -o short-iso (+0000 offset, host and tag)', () => {
    expect(parsed('2024-01-02T15:04:05+0000 ip-10-0-1-23.ec2.internal kubelet[1]: Started kubelet')).toEqual([
      '2024-01-02T15:04:05.000Z',
      'rfc3339',
    ]);
  });

  it('klog: header without a year, year inferred from the reference', () => {
    expect(parsed('E0102 15:04:05.123456    2301 kubelet.go:2453] "Error syncing pod, skipping" pod="kube-system/aws-node-x"')).toEqual([
      '2024-01-02T15:04:05.123Z',
      'klog',
    ]);
    expect(parsed('I0102 15:04:05.000001    2301 server.go:1]')?.[1]).toBe('klog');
    expect(parsed('W0102 15:04:05.999999 1 a.go:1] w')?.[0]).toBe('2024-01-02T15:04:05.999Z');
    expect(parsed('F0102 15:04:05.5 1 a.go:1] fatal')?.[0]).toBe('2024-01-02T15:04:05.500Z');
  });

  it('syslog: journal line with a two-digit day', () => {
    expect(parsed('Jan 02 15:04:05 ip-10-0-1-23.ec2.internal kubelet[2301]: Starting kubelet')).toEqual([
      '2024-01-02T15:04:05.000Z',
      'syslog',
    ]);
  });

  it('syslog: single-digit day padded with a space', () => {
    expect(parsed('Jan  2 15:04:05 ip-10-0-1-23 kernel: ena 0000:00:05.0 eth0: link up')).toEqual(['2024-01-02T15:04:05.000Z', 'syslog']);
  });

  it('syslog: journalctl -o short-precise keeps the microseconds (truncated to ms)', () => {
    expect(parsed('Jan 02 15:04:05.123456 ip-10-0-1-23 systemd[1]: Started containerd.service.')).toEqual([
      '2024-01-02T15:04:05.123Z',
      'syslog',
    ]);
  });

  it('dmesg-human: dmesg -T carries its own year', () => {
    expect(parsed('[Tue Jan  2 15:04:05 2024] ena 0000:00:05.0 eth0: Link up', at('2030-06-01T00:00:00Z'))).toEqual([
      '2024-01-02T15:04:05.000Z',
      'dmesg-human',
    ]);
    expect(parsed('[Wed Jan 10 08:00:00 2024] oom-kill:constraint=CONSTRAINT_MEMCG')?.[0]).toBe('2024-01-10T08:00:00.000Z');
  });

  it('dmesg-monotonic: seconds since boot plus bootMs', () => {
    const boot = { ...ctx, bootMs: Date.parse('2024-01-02T00:00:00Z') };
    expect(parsed('[12345.678901] Out of memory: Killed process 4242 (java)', boot)).toEqual([
      '2024-01-02T03:25:45.678Z',
      'dmesg-monotonic',
    ]);
    expect(parsed('[    0.000000] Linux version 5.10.210-201.852.amzn2.x86_64', boot)).toEqual(['2024-01-02T00:00:00.000Z', 'dmesg-monotonic']);
  });

  it('dmesg-monotonic: undefined without bootMs', () => {
    expect(parsed('[12345.678901] Out of memory: Killed process 4242 (java)')).toBeUndefined();
    expect(parsed('[    0.000000] Linux version 5.10')).toBeUndefined();
  });

  it('containerd: logfmt time="…" with nanoseconds', () => {
    expect(
      parsed('time="2024-01-02T15:04:05.123456789Z" level=error msg="failed to pull image" error="rpc error: code = NotFound"'),
    ).toEqual(['2024-01-02T15:04:05.123Z', 'containerd']);
    expect(parsed('level=error time="2024-01-02T15:04:05.123456789+02:00" msg="x"')).toEqual(['2024-01-02T13:04:05.123Z', 'containerd']);
  });

  it('containerd: runtime="…" and other keys ending in time are not mistaken for time=', () => {
    expect(parsed('level=info runtime="io.containerd.runc.v2" starttime="2024-01-02T15:04:05Z" msg=x')).toBeUndefined();
  });

  it('json-ts: IPAMD/zap "ts" as an RFC 3339 string', () => {
    expect(
      parsed('{"level":"error","ts":"2024-01-02T15:04:05.123Z","caller":"ipamd/ipamd.go:512","msg":"Failed to allocate a private IP address"}'),
    ).toEqual(['2024-01-02T15:04:05.123Z', 'json-ts']);
  });

  it('json-ts: "ts" as epoch seconds float', () => {
    expect(parsed('{"level":"info","ts":1704207845.123,"caller":"aws-k8s-agent/main.go:30","msg":"Starting L-IPAMD"}')).toEqual([
      '2024-01-02T15:04:05.123Z',
      'json-ts',
    ]);
  });

  it('json-ts: "time" and "timestamp" keys, with spaces around the colon', () => {
    expect(parsed('{"time": "2024-01-02T15:04:05.5Z", "level": "warn"}')).toEqual(['2024-01-02T15:04:05.500Z', 'json-ts']);
    expect(parsed('{"msg":"x","timestamp":"2024-01-02 15:04:05.250"}')).toEqual(['2024-01-02T15:04:05.250Z', 'json-ts']);
    expect(parsed('{"log":"hello\\n","stream":"stdout","time":"2024-01-02T15:04:05.123456789Z"}')).toEqual([
      '2024-01-02T15:04:05.123Z',
      'json-ts',
    ]);
  });

  it('cri: container log prefix wins over anything inside the message', () => {
    expect(parsed('2024-01-02T15:04:05.123456789Z stdout F {"level":"info","ts":"2023-06-01T00:00:00Z","msg":"x"}')).toEqual([
      '2024-01-02T15:04:05.123Z',
      'cri',
    ]);
    expect(parsed('2024-01-02T15:04:05.987654321+00:00 stderr P partial line')).toEqual(['2024-01-02T15:04:05.987Z', 'cri']);
    expect(parsed('2024-01-02T15:04:05.000000001Z stdout F')).toEqual(['2024-01-02T15:04:05.000Z', 'cri']);
  });

  it('epoch: seconds, milliseconds and fractional seconds at line start', () => {
    expect(parsed('1704207845 node ready')).toEqual(['2024-01-02T15:04:05.000Z', 'epoch']);
    expect(parsed('1704207845123 node ready')).toEqual(['2024-01-02T15:04:05.123Z', 'epoch']);
    expect(parsed('1704207845.123 node ready')).toEqual(['2024-01-02T15:04:05.123Z', 'epoch']);
  });

  it('epoch: audit(…) stamp in audit lines', () => {
    expect(
      parsed('type=SYSCALL msg=audit(1704207845.123:456): arch=c000003e syscall=59 success=yes exit=0 comm="runc"'),
    ).toEqual(['2024-01-02T15:04:05.123Z', 'epoch']);
  });

  it('cloud-init: comma before the milliseconds', () => {
    expect(parsed('2024-01-02 15:04:05,123 - util.py[DEBUG]: Running command [\'/bin/sh\']')).toEqual([
      '2024-01-02T15:04:05.123Z',
      'cloud-init',
    ]);
  });

  it('iso-space: dash date with a fraction, and Go log package slash date', () => {
    expect(parsed('2024-01-02 15:04:05.123 INFO aws-node starting')).toEqual(['2024-01-02T15:04:05.123Z', 'iso-space']);
    expect(parsed('2024/01/02 15:04:05 [INFO] Starting CNI plugin')).toEqual(['2024-01-02T15:04:05.000Z', 'iso-space']);
    expect(parsed('2024/01/02 15:04:05.123456 routed eni')).toEqual(['2024-01-02T15:04:05.123Z', 'iso-space']);
  });
});

describe('year inference', () => {
  it('puts Dec 31 lines of a bundle collected on Jan 3 in the previous year', () => {
    expect(parsed('Dec 31 23:59:59 ip-10-0-1-23 kubelet[1]: x', at('2024-01-03T00:00:00Z'))).toEqual([
      '2023-12-31T23:59:59.000Z',
      'syslog',
    ]);
    expect(parsed('E1231 23:59:59.999999 1 a.go:1] x', at('2024-01-03T00:00:00Z'))?.[0]).toBe('2023-12-31T23:59:59.999Z');
    expect(inferYear(11, 31, 23, 59, 59, at('2024-01-03T00:00:00Z'))).toBe(2023);
  });

  it('keeps a line from earlier in the reference year in that year', () => {
    expect(parsed('Jun 15 10:00:00 host kubelet[1]: x', at('2024-07-01T00:00:00Z'))?.[0]).toBe('2024-06-15T10:00:00.000Z');
    expect(inferYear(0, 2, 15, 4, 5, ctx)).toBe(2024);
  });

  it('tolerates up to 7 days after the reference (clock skew), beyond that it is the previous year', () => {
    expect(inferYear(5, 8, 0, 0, 0, at('2024-06-01T00:00:00Z'))).toBe(2024); // exactly 7 days ahead
    expect(inferYear(5, 8, 0, 0, 1, at('2024-06-01T00:00:00Z'))).toBe(2023); // 7 days and a second ahead
  });

  it('Feb 29 goes to a leap year and never silently becomes Mar 1', () => {
    // Reference year is a leap year and the date is in the past: same year.
    expect(parsed('Feb 29 12:00:00 host kubelet[1]: x', at('2024-03-05T00:00:00Z'))?.[0]).toBe('2024-02-29T12:00:00.000Z');
    // Within the 7-day tolerance ahead of the reference: still the reference year.
    expect(inferYear(1, 29, 12, 0, 0, at('2024-02-25T00:00:00Z'))).toBe(2024);
    // Reference year 2025 has no Feb 29: the most recent leap year, 2024.
    expect(parsed('E0229 12:00:00.5 1 a.go:1] x', at('2025-01-10T00:00:00Z'))?.[0]).toBe('2024-02-29T12:00:00.500Z');
    expect(parsed('Feb 29 12:00:00 host kubelet[1]: x', at('2025-03-01T00:00:00Z'))?.[0]).toBe('2024-02-29T12:00:00.000Z');
    // More than 7 days ahead in a leap year: the previous leap year, not the (non-leap) previous year.
    expect(inferYear(1, 29, 12, 0, 0, at('2024-02-20T00:00:00Z'))).toBe(2020);
    // Across a skipped century leap year (2100 is not a leap year).
    expect(inferYear(1, 29, 0, 0, 0, at('2101-06-01T00:00:00Z'))).toBe(2096);
  });

  it('a non-finite reference makes yearless lines undefined, never NaN', () => {
    expect(parseLineTimestamp('Jan 02 15:04:05 host kubelet[1]: x', { referenceMs: Number.NaN })).toBeUndefined();
    expect(parseLineTimestamp('E0102 15:04:05.123456 1 a.go:1] x', { referenceMs: Number.NaN })).toBeUndefined();
  });
});

describe('validation', () => {
  it.each([
    ['month 13 (klog)', 'E1302 15:04:05.123456 1 a.go:1] x'],
    ['day 32 (rfc3339)', '2024-01-32T15:04:05Z x'],
    ['hour 25 (rfc3339)', '2024-01-02T25:04:05Z x'],
    ['minute 60 (iso-space)', '2024-01-02 15:60:05 x'],
    ['Feb 30 (syslog)', 'Feb 30 12:00:00 host kubelet[1]: x'],
    ['Feb 29 in a common year (iso-space)', '2023-02-29 12:00:00 x'],
    ['day 0 (cloud-init)', '2024-01-00 15:04:05,123 - util.py[DEBUG]: x'],
    ['Feb 30 (dmesg-human)', '[Fri Feb 30 12:00:00 2024] x'],
    ['month 0 (cri)', '2024-00-02T15:04:05.1Z stdout F x'],
    ['offset +25:00', '2024-01-02T15:04:05+25:00 x'],
    ['month 13 (containerd)', 'time="2024-13-02T15:04:05Z" level=info msg=x'],
    ['Apr 31 (json-ts)', '{"ts":"2024-04-31T00:00:00Z"}'],
    ['hour 24 (syslog)', 'Jan 02 24:00:00 host kubelet[1]: x'],
  ])('rejects %s', (_why, line) => {
    expect(parseLineTimestamp(line, ctx)).toBeUndefined();
  });

  it.each([
    ['an empty line', ''],
    ['plain text', 'hello world'],
    ['a stack trace continuation', '    at Object.<anonymous> (/app/index.js:1:1)'],
    ['a level tag in brackets', '[INFO] starting'],
    ['a small number', '12345 packets received'],
    ['a capitalised word', 'Error: connection refused'],
    ['a month word that is not a date', 'March 2024 report'],
    ['a year-like token', '2024 was a year'],
    ['kubectl get output', 'NAME            READY   STATUS    RESTARTS   AGE'],
    ['a 1 MiB line of text', 'x'.repeat(1 << 20)],
  ])('returns undefined for %s', (_why, line) => {
    expect(parseLineTimestamp(line, ctx)).toBeUndefined();
  });

  it('ignores structured keys beyond the first 4 KiB of a long line', () => {
    const pad = 'x'.repeat(5000);
    expect(parseLineTimestamp(`${pad} time="2024-01-02T15:04:05Z"`, ctx)).toBeUndefined();
    expect(parsed(`time="2024-01-02T15:04:05Z" ${'x'.repeat(1 << 20)}`)).toEqual(['2024-01-02T15:04:05.000Z', 'containerd']);
  });

  it('keeps the prefix of a plain (non-journal) RFC 3339 line even when the message holds a time', () => {
    expect(parsed('2024-01-02T15:04:05Z msg time="2024-01-02T15:04:04.999Z"')).toEqual(['2024-01-02T15:04:05.000Z', 'rfc3339']);
  });
});

describe('journal-wrapped precedence', () => {
  it('klog inside a journal line: syslog time plus the klog microseconds when HH:MM:SS agree', () => {
    expect(
      parsed('Jan 02 15:04:05 ip-10-0-1-23.ec2.internal kubelet[2301]: E0102 15:04:05.123456    2301 kubelet.go:2453] "Error syncing pod"'),
    ).toEqual(['2024-01-02T15:04:05.123Z', 'syslog']);
  });

  it('klog inside a journal line: whole-second syslog time when HH:MM:SS differ', () => {
    expect(parsed('Jan 02 15:04:05 ip-10-0-1-23 kubelet[2301]: E0102 15:04:06.123456    2301 kubelet.go:2453] "x"')).toEqual([
      '2024-01-02T15:04:05.000Z',
      'syslog',
    ]);
  });

  it('klog inside a short-precise journal line: the journal fraction is kept', () => {
    expect(parsed('Jan 02 15:04:05.900000 host kubelet[2301]: I0102 15:04:05.123456 2301 a.go:1] x')?.[0]).toBe('2024-01-02T15:04:05.900Z');
  });

  it('containerd inside a journal line: the embedded time wins within 24 h', () => {
    expect(
      parsed('Jan 02 15:04:05 ip-10-0-1-23.ec2.internal containerd[2201]: time="2024-01-02T15:04:05.123456789Z" level=error msg="failed"'),
    ).toEqual(['2024-01-02T15:04:05.123Z', 'containerd']);
  });

  it('JSON inside a journal line: the embedded "ts" wins within 24 h', () => {
    expect(parsed('Jan 02 15:04:05 host aws-node[3001]: {"level":"error","ts":"2024-01-02T15:04:04.987Z","msg":"x"}')).toEqual([
      '2024-01-02T15:04:04.987Z',
      'json-ts',
    ]);
    expect(parsed('2024-01-02T15:04:05+0000 host aws-node[3001]: {"ts":1704207844.5,"msg":"x"}')).toEqual(['2024-01-02T15:04:04.500Z', 'json-ts']);
  });

  it('containerd inside a journal line: the syslog prefix wins when they are more than 24 h apart', () => {
    expect(parsed('Jan 02 15:04:05 host containerd[2201]: time="2023-06-01T00:00:00.123Z" level=info msg="replayed"')).toEqual([
      '2024-01-02T15:04:05.000Z',
      'syslog',
    ]);
  });
});

describe('parseTimestampValue', () => {
  it('parses RFC 3339 and ISO-with-space strings', () => {
    expect(parseTimestampValue('2024-01-02T15:04:05.123456789Z')).toBe(Date.parse('2024-01-02T15:04:05.123Z'));
    expect(parseTimestampValue('2024-01-02T15:04:05-05:30')).toBe(Date.parse('2024-01-02T20:34:05Z'));
    expect(parseTimestampValue(' 2024-01-02 15:04:05.5 ')).toBe(Date.parse('2024-01-02T15:04:05.500Z'));
  });

  it('parses epoch seconds, milliseconds, microseconds and nanoseconds by magnitude', () => {
    const want = Date.parse('2024-01-02T15:04:05.123Z');
    expect(parseTimestampValue('1704207845.123')).toBe(want);
    expect(parseTimestampValue('1704207845123')).toBe(want);
    expect(parseTimestampValue('1704207845123456')).toBe(want);
    expect(parseTimestampValue('1704207845123456789')).toBe(want);
    expect(parseTimestampValue('1704207845')).toBe(want - 123);
    expect(parseTimestampValue(1704207845.123)).toBe(want);
    expect(parseTimestampValue(1704207845123)).toBe(want);
    expect(parseTimestampValue('1.704207845123e+09')).toBe(want);
  });

  it('returns undefined for garbage, impossible dates, trailing text and non-finite numbers', () => {
    for (const v of ['', 'soon', '2024-02-30T00:00:00Z', '2024-01-02T15:04:05Z trailing', '-5', '1e400', '12:00']) {
      expect(parseTimestampValue(v), v).toBeUndefined();
    }
    for (const v of [Number.NaN, Number.POSITIVE_INFINITY, -1, 1e21]) expect(parseTimestampValue(v), String(v)).toBeUndefined();
  });
});
