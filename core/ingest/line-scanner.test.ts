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
/** `text` cut at the given offsets (duplicates and 0 ignored), in order */
function splitAt(text: Buffer, cuts: number[]): Buffer[] {
  const chunks: Buffer[] = [];
  let prev = 0;
  for (const p of [...new Set(cuts)].filter((x) => x > 0).sort((a, b) => a - b)) {
    chunks.push(text.subarray(prev, p));
    prev = p;
  }
  chunks.push(text.subarray(prev));
  return chunks;
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
        const { hits, summary } = scan(splitAt(text, cuts));
        expect(codes(hits)).toEqual(['SoftLockup']);
        expect(hits[0]!.line).toBe(2);
        expect(summary.lines).toBe(3);
      }),
    );
  });

  it('property: on any text and any chunking, hits, line count and index equal a line-by-line reading (four interleaved automata per chunk)', () => {
    // fixture lines of every rule that applies to messages, mixed with filler lines of any length
    const path = 'var_log/messages';
    const fixtures = catalog.rules.flatMap((r) => r.spec.match).filter((l) => catalog.matchLine(path, l).length > 0).slice(0, 200);
    const line = fc.oneof(fc.constantFrom(...fixtures), fc.string({ maxLength: 300 }).map((x) => x.replace(/\n/g, ' ')), fc.constantFrom('', 'x', 'oom', 'OOM-KILLER invoked'));
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 60 }), fc.array(fc.integer({ min: 1, max: 5000 }), { maxLength: 8 }), fc.boolean(), (ls, cuts, trailingNl) => {
        const text = Buffer.from(ls.join('\n') + (trailingNl ? '\n' : ''));
        const chunks = splitAt(text, cuts.map((c) => c % Math.max(1, text.length)));
        const hits: LineHit[] = [];
        const sc = new LineScanner(catalog, path, (h) => hits.push(h), { indexStride: 512 });
        for (const c of chunks) sc.push(c);
        const summary = sc.end();
        // reference: each line on its own
        const want: { line: number; offset: number; codes: string[] }[] = [];
        const index: [number, number][] = [[1, 0]];
        let off = 0;
        let last = 0;
        const lines = text.toString('utf8').split('\n');
        const endsNl = text[text.length - 1] === 10;
        if (endsNl) lines.pop();
        lines.forEach((l, i) => {
          const codesOf = catalog.matchLine(path, l);
          if (codesOf.length) want.push({ line: i + 1, offset: off, codes: codesOf });
          off += Buffer.byteLength(l) + 1;
          // a pair at each line start (after a newline) a stride past the last pair
          if ((i < lines.length - 1 || endsNl) && off - last >= 512) {
            index.push([i + 2, off]);
            last = off;
          }
        });
        expect(hits.map((h) => ({ line: h.line, offset: h.offset, codes: h.rules.map((r) => catalog.rules[r]!.spec.code) }))).toEqual(want);
        expect(summary.lines).toBe(text.length === 0 ? 0 : lines.length);
        expect(summary.lineIndex).toEqual(index);
      }),
      { numRuns: 300, seed: 1124 },
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
