import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CompiledCatalog } from '../rules/compiled-catalog.js';
import { type LineHit, LineScanner } from './line-scanner.js';

const catalog = CompiledCatalog.load();
const LOCKUP = 'watchdog: BUG: soft lockup - CPU#3 stuck for 23s! [kworker/3:1:1234]';

function scan(chunks: Buffer[], path = 'kernel/dmesg.current', maxLineBytes?: number) {
  const hits: LineHit[] = [];
  const s = new LineScanner(catalog, path, (h) => hits.push(h), maxLineBytes ? { maxLineBytes } : {});
  for (const c of chunks) s.push(c);
  return { hits, summary: s.end() };
}
const codes = (h: LineHit[]) => h.map((x) => x.rules.map((r) => catalog.rules[r]!.spec.code)).flat();

describe('line scanner', () => {
  it('counts lines with and without a trailing newline', () => {
    expect(scan([Buffer.from('a\nb\nc\n')]).summary.lines).toBe(3);
    expect(scan([Buffer.from('a\nb\nc')]).summary.lines).toBe(3);
    expect(scan([Buffer.from('')]).summary.lines).toBe(0);
  });

  it('reports the line number and byte offset of a matching line, CR stripped', () => {
    const text = `[1.0] boot\r\n[2.0] ${LOCKUP}\r\n[3.0] after\r\n`;
    const { hits } = scan([Buffer.from(text)]);
    expect(hits).toHaveLength(1);
    expect(hits[0]!.line).toBe(2);
    expect(hits[0]!.offset).toBe(text.indexOf('[2.0]'));
    expect(hits[0]!.text.endsWith('\r')).toBe(false);
  });

  it('finds a keyword split across any chunk boundary', () => {
    const text = Buffer.from(`[1.0] boot line\n[2.0] ${LOCKUP}\n[3.0] tail\n`);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: text.length - 1 }), { maxLength: 6 }), (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const chunks: Buffer[] = [];
        let prev = 0;
        for (const p of points) {
          chunks.push(text.subarray(prev, p));
          prev = p;
        }
        chunks.push(text.subarray(prev));
        const { hits, summary } = scan(chunks);
        expect(codes(hits)).toEqual(['SoftLockup']);
        expect(hits[0]!.line).toBe(2);
        expect(summary.lines).toBe(3);
      }),
    );
  });

  it('does not apply a rule outside its source files', () => {
    expect(codes(scan([Buffer.from(`${LOCKUP}\n`)], 'ipamd/enis.json').hits)).toEqual([]);
  });

  it('a single 2 GiB line is scanned in bounded memory and a problem at its end is found', () => {
    const chunk = Buffer.alloc(8 * 1024 * 1024, 0x78);
    const before = process.memoryUsage().rss;
    const hits: LineHit[] = [];
    const s = new LineScanner(catalog, 'kernel/dmesg.current', (h) => hits.push(h));
    let peak = 0;
    for (let i = 0; i < 256; i++) {
      s.push(chunk);
      if (i % 32 === 0) peak = Math.max(peak, process.memoryUsage().rss - before);
    }
    s.push(Buffer.from(` ${LOCKUP}\n`));
    const sum = s.end();
    expect(sum.bytes).toBe(2 * 1024 ** 3 + LOCKUP.length + 2);
    expect(sum.lines).toBe(1);
    expect(sum.overlongLines).toBe(1);
    expect(codes(hits)).toEqual(['SoftLockup']);
    expect(peak).toBeLessThan(256 * 1024 * 1024);
  }, 120_000);
});
