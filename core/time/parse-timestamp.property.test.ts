// Property tests of the timestamp parser (examples per format are in parse-timestamp.test.ts).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MONTH_ABBR, WEEKDAY_ABBR } from './month-names.js';
import {
  parseLineTimestamp,
  parseTimestampValue,
  type ParsedTime,
  type TimeContext,
  type TimestampFormat,
} from './parse-timestamp.js';

const DAY = 86_400_000;

// ---------------------------------------------------------------------------------------------
// Property tests: format any instant in 2000–2099 in each shape, parse it back.

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

interface Parts {
  y: number;
  mo: number;
  d: number;
  hh: number;
  mi: number;
  ss: number;
  milli: number;
  wd: number;
}

function partsOf(ms: number): Parts {
  const t = new Date(ms);
  return {
    y: t.getUTCFullYear(),
    mo: t.getUTCMonth(),
    d: t.getUTCDate(),
    hh: t.getUTCHours(),
    mi: t.getUTCMinutes(),
    ss: t.getUTCSeconds(),
    milli: t.getUTCMilliseconds(),
    wd: t.getUTCDay(),
  };
}

const clock = (p: Parts): string => `${pad(p.hh)}:${pad(p.mi)}:${pad(p.ss)}`;
const date = (p: Parts, sep = '-'): string => `${p.y}${sep}${pad(p.mo + 1)}${sep}${pad(p.d)}`;
const ms3 = (p: Parts): string => pad(p.milli, 3);
const spaceDay = (p: Parts): string => (p.d < 10 ? ` ${p.d}` : String(p.d));

interface Shape {
  format: TimestampFormat;
  /** the line for an instant; `sub` is extra sub-millisecond digits, `off` an offset in minutes */
  line: (ms: number, sub: string, off: number) => string;
  /** the instant the line must parse to (formats without milliseconds lose them) */
  expected: (ms: number) => number;
  yearless?: boolean;
  boot?: boolean;
}

const wholeSecond = (ms: number): number => ms - (ms % 1000);
const exact = (ms: number): number => ms;

function withOffset(ms: number, sub: string, off: number): string {
  const local = partsOf(ms + off * 60_000);
  const sign = off < 0 ? '-' : '+';
  const a = Math.abs(off);
  return `${date(local)}T${clock(local)}.${ms3(local)}${sub}${sign}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
}

const shapes: Shape[] = [
  { format: 'rfc3339', line: (ms, sub, off) => `${withOffset(ms, sub, off)} msg`, expected: exact },
  { format: 'rfc3339', line: (ms, sub) => `${new Date(ms).toISOString().slice(0, -1)}${sub}Z`, expected: exact },
  {
    format: 'klog',
    line: (ms, sub) => {
      const p = partsOf(ms);
      return `E${pad(p.mo + 1)}${pad(p.d)} ${clock(p)}.${ms3(p)}${sub}    2301 kubelet.go:2453] "x"`;
    },
    expected: exact,
    yearless: true,
  },
  {
    format: 'syslog',
    line: (ms) => {
      const p = partsOf(ms);
      return `${MONTH_ABBR[p.mo]} ${spaceDay(p)} ${clock(p)} ip-10-0-1-23.ec2.internal kubelet[2301]: msg`;
    },
    expected: wholeSecond,
    yearless: true,
  },
  {
    format: 'syslog',
    line: (ms, sub) => {
      const p = partsOf(ms);
      return `${MONTH_ABBR[p.mo]} ${pad(p.d)} ${clock(p)}.${ms3(p)}${sub} host systemd[1]: msg`;
    },
    expected: exact,
    yearless: true,
  },
  {
    format: 'syslog',
    line: (ms, sub) => {
      const p = partsOf(ms);
      return `${MONTH_ABBR[p.mo]} ${pad(p.d)} ${clock(p)} host kubelet[1]: I${pad(p.mo + 1)}${pad(p.d)} ${clock(p)}.${ms3(p)}${sub} 1 a.go:1] x`;
    },
    expected: exact,
    yearless: true,
  },
  {
    format: 'dmesg-human',
    line: (ms) => {
      const p = partsOf(ms);
      return `[${WEEKDAY_ABBR[p.wd]} ${MONTH_ABBR[p.mo]} ${spaceDay(p)} ${clock(p)} ${p.y}] eth0: link up`;
    },
    expected: wholeSecond,
  },
  {
    format: 'dmesg-monotonic',
    line: (ms, sub) => {
      const up = ms - BOOT;
      return `[${String(Math.floor(up / 1000)).padStart(5, ' ')}.${pad(up % 1000, 3)}${sub}] eth0: link up`;
    },
    expected: exact,
    boot: true,
  },
  {
    format: 'containerd',
    line: (ms, sub) => `time="${new Date(ms).toISOString().slice(0, -1)}${sub}Z" level=info msg="x"`,
    expected: exact,
  },
  {
    format: 'containerd',
    // journal-wrapped: the whole-second syslog prefix yields to the embedded, more precise time
    line: (ms, sub, off) => {
      const p = partsOf(ms);
      return `${MONTH_ABBR[p.mo]} ${spaceDay(p)} ${clock(p)} host containerd[1]: time="${withOffset(ms, sub, off)}" level=info msg="x"`;
    },
    expected: exact,
    yearless: true,
  },
  {
    format: 'json-ts',
    line: (ms) => `{"level":"error","ts":"${new Date(ms).toISOString()}","caller":"ipamd/ipamd.go:1","msg":"x"}`,
    expected: exact,
  },
  {
    format: 'json-ts',
    line: (ms) => `{"level":"info","ts":${Math.floor(ms / 1000)}.${pad(ms % 1000, 3)},"msg":"x"}`,
    expected: exact,
  },
  { format: 'cri', line: (ms, sub) => `${new Date(ms).toISOString().slice(0, -1)}${sub}Z stdout F msg`, expected: exact },
  { format: 'epoch', line: (ms) => `${Math.floor(ms / 1000)}.${pad(ms % 1000, 3)} msg`, expected: exact },
  { format: 'epoch', line: (ms) => `${ms} msg`, expected: exact },
  { format: 'epoch', line: (ms) => `type=SYSCALL msg=audit(${Math.floor(ms / 1000)}.${pad(ms % 1000, 3)}:42): arch=c000003e`, expected: exact },
  {
    format: 'cloud-init',
    line: (ms) => {
      const p = partsOf(ms);
      return `${date(p)} ${clock(p)},${ms3(p)} - util.py[DEBUG]: x`;
    },
    expected: exact,
  },
  {
    format: 'iso-space',
    line: (ms, sub) => {
      const p = partsOf(ms);
      return `${date(p)} ${clock(p)}.${ms3(p)}${sub} INFO x`;
    },
    expected: exact,
  },
  {
    format: 'iso-space',
    line: (ms, sub) => {
      const p = partsOf(ms);
      return `${date(p, '/')} ${clock(p)}.${ms3(p)}${sub} x`;
    },
    expected: exact,
  },
];

const BOOT = Date.parse('2000-01-01T00:00:00Z') - 1234;
const instant = fc.integer({ min: Date.parse('2000-01-01T00:00:00.000Z'), max: Date.parse('2099-12-31T23:59:59.999Z') });
const subMs = fc.string({ unit: fc.constantFrom('0', '1', '2', '3', '4', '5', '6', '7', '8', '9'), maxLength: 6 });
const offsetMinutes = fc.integer({ min: -14 * 60, max: 14 * 60 });
const lag = fc.integer({ min: 0, max: 6 * DAY });

describe('round-trip properties', () => {
  it.each(shapes.map((s, i) => [`${s.format} #${i}`, s] as const))('%s: format then parse gives back the instant', (_n, shape) => {
    fc.assert(
      fc.property(instant, subMs, offsetMinutes, lag, (ms, sub, off, late) => {
        const line = shape.line(ms, sub, off);
        // Formats without a year get a reference time up to 6 days after the instant.
        const c: TimeContext = { referenceMs: shape.yearless ? ms + late : Date.parse('2100-06-01T00:00:00Z') };
        if (shape.boot) c.bootMs = BOOT;
        const r = parseLineTimestamp(line, c);
        expect(r, line).toEqual<ParsedTime>({ ms: shape.expected(ms), format: shape.format });
      }),
      { numRuns: 300 },
    );
  });

  it('formats with a year ignore the reference time entirely', () => {
    fc.assert(
      fc.property(instant, fc.integer({ min: 0, max: 4_000_000_000_000 }), (ms, ref) => {
        const line = `${new Date(ms).toISOString()} msg`;
        expect(parseLineTimestamp(line, { referenceMs: ref })?.ms).toBe(ms);
      }),
    );
  });

  it('parseTimestampValue round-trips RFC 3339 and every epoch unit', () => {
    fc.assert(
      fc.property(instant, (ms) => {
        expect(parseTimestampValue(new Date(ms).toISOString())).toBe(ms);
        expect(parseTimestampValue(String(ms))).toBe(ms);
        expect(parseTimestampValue(`${ms}417`)).toBe(ms);
        expect(parseTimestampValue(`${ms}417000`)).toBe(ms);
        expect(parseTimestampValue(`${Math.floor(ms / 1000)}.${pad(ms % 1000, 3)}`)).toBe(ms);
        expect(parseTimestampValue(ms)).toBe(ms);
      }),
    );
  });

  const seeds = shapes.map((s) => s.line(Date.parse('2024-01-02T15:04:05.123Z'), '456', 120));
  const near = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 300 }),
    fc.string({ unit: fc.constantFrom(...'0123456789-:T Z.,+[]{}"tsime=audit()JanFebE/ '.split('')), maxLength: 80 }),
    // truncated or spliced real-shaped lines: the likeliest way to reach odd corners
    fc.tuple(fc.constantFrom(...seeds), fc.nat(120), fc.string({ maxLength: 20 })).map(([s, cut, tail]) => s.slice(0, cut) + tail),
    fc.tuple(fc.constantFrom(...seeds), fc.nat(120), fc.string({ maxLength: 3 })).map(([s, at2, ins]) => s.slice(0, at2) + ins + s.slice(at2 + 1)),
  );

  it('arbitrary strings never throw and never yield NaN', () => {
    fc.assert(
      fc.property(near, fc.option(fc.integer({ min: -1e13, max: 1e13 })), fc.double(), (line, boot, ref) => {
        const c: TimeContext = { referenceMs: ref };
        if (boot !== null) c.bootMs = boot;
        const r = parseLineTimestamp(line, c);
        if (r !== undefined) expect(Number.isFinite(r.ms)).toBe(true);
        const v = parseTimestampValue(line);
        if (v !== undefined) expect(Number.isFinite(v)).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });

  it('arbitrary numbers never throw in parseTimestampValue', () => {
    fc.assert(
      fc.property(fc.double(), (n) => {
        const v = parseTimestampValue(n);
        if (v !== undefined) expect(Number.isFinite(v)).toBe(true);
      }),
    );
  });
});
