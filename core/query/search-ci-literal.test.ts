import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CI_MAX_CHARS, ciFinder } from './search-ci-literal.js';
import { candidates, compilePattern, type Matcher, requiredLiterals } from './search-prefilter.js';

/** every offset where `lit` sits in `b` with ASCII letters folded: the definition, byte by byte */
function naive(b: Buffer, lit: string): number[] {
  const low = (x: number) => (x >= 65 && x <= 90 ? x | 32 : x);
  const out: number[] = [];
  for (let i = 0; i + lit.length <= b.length; i++) {
    let j = 0;
    while (j < lit.length && low(b[i + j]!) === lit.charCodeAt(j)) j++;
    if (j === lit.length) out.push(i);
  }
  return out;
}

const all = (b: Buffer, lit: string) => {
  const f = ciFinder(lit);
  const out: number[] = [];
  for (let p = f.find(b, 0); p >= 0; p = f.find(b, p + 1)) out.push(p);
  return out;
};

/** pieces of text: case variants of the literal and of its parts, look-alikes outside ASCII, filler */
const textOf = (lit: string) => {
  const mixed = (s: string) => fc.array(fc.boolean(), { minLength: s.length, maxLength: s.length }).map((up) => [...s].map((c, i) => (up[i] ? c.toUpperCase() : c)).join(''));
  const piece = fc.oneof(
    mixed(lit),
    fc.integer({ min: 1, max: lit.length - 1 }).chain((k) => mixed(lit.slice(0, k))),
    fc.integer({ min: 1, max: lit.length - 1 }).chain((k) => mixed(lit.slice(k))),
    fc.constantFrom('\n', '\r\n', ' ', 'K', 'ſ', 'é', 'İ', '\u00ff', '0123', '::'),
    fc.string({ maxLength: 12 }),
  );
  return fc.array(piece, { maxLength: 60 }).map((ps) => Buffer.from(ps.join('')));
};
const literal = fc.stringMatching(/^[a-z0-9 ._:-]{3,16}$/);

describe('ciFinder', () => {
  it('finds exactly the offsets where the literal sits regardless of ASCII case', () => {
    fc.assert(
      fc.property(literal.chain((lit) => fc.tuple(fc.constant(lit), textOf(lit))), ([lit, b]) => {
        expect(all(b, lit)).toEqual(naive(b, lit));
      }),
      { numRuns: 2000 },
    );
  });

  it('findAll (four lanes over quarters of the text) gives every offset find gives, on texts past the lane threshold', () => {
    fc.assert(
      fc.property(literal.chain((lit) => fc.tuple(fc.constant(lit), fc.array(textOf(lit), { minLength: 1, maxLength: 40 }))), ([lit, parts]) => {
        // long enough for four lanes (16 KiB), with matches near the quarter cuts wherever they fall
        const b = Buffer.concat([...parts, Buffer.alloc(Math.max(0, 20_000 - parts.reduce((x, p) => x + p.length, 0)), 'z'), ...parts]);
        const got: number[] = [];
        ciFinder(lit).findAll(b, got);
        expect(got).toEqual(naive(b, lit));
      }),
      { numRuns: 300 },
    );
    // a match across each quarter cut of a 64 KiB text
    const b = Buffer.alloc(1 << 16, 'x');
    for (const cut of [1 << 14, 1 << 15, 3 << 14]) b.write('Failed To Assign', cut - 7, 'latin1');
    const got: number[] = [];
    ciFinder('failed to assign').findAll(b, got);
    expect(got).toEqual([(1 << 14) - 7, (1 << 15) - 7, (3 << 14) - 7]);
  });

  it('finds a literal whose last pair also occurs earlier in it, and in windows that overlap', () => {
    expect(all(Buffer.from('xxABABABx abab ABAB'), 'abab')).toEqual([2, 4, 10, 15]);
    expect(all(Buffer.from('Failed To Assign an IP address to pod\nfailed to assign an ip address to pod'), 'failed to assign an ip address')).toEqual([0, 38]);
  });

  it('never matches non-ASCII bytes, even those whose case folds to ASCII letters (K, ſ)', () => {
    expect(all(Buffer.from('\u212Aube ſecret kube secret'), 'kube')).toEqual([15]); // K is 3 bytes, ſ 2
    expect(all(Buffer.from('ſecret'), 'secret')).toEqual([]);
  });

  it('spends a bounded number of compares per byte on text of near misses', () => {
    const b = Buffer.from(`${'a'.repeat(CI_MAX_CHARS - 1)}B`.repeat((1 << 20) / CI_MAX_CHARS));
    const t = performance.now();
    expect(all(b, 'a'.repeat(CI_MAX_CHARS))).toEqual([]);
    expect(performance.now() - t).toBeLessThan(3000);
  });

  it('rejects a literal it cannot search (short, long, upper case, non-ASCII)', () => {
    for (const bad of ['ab', 'Abc', 'café', 'x'.repeat(CI_MAX_CHARS + 1)]) expect(() => ciFinder(bad)).toThrow(/lower-case ASCII literal/);
  });
});

describe('candidates with ignore_case', () => {
  it('keeps every line RE2 matches, prefiltered or not', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z][a-z ]{10,40}[a-z]$/).chain((lit) => fc.tuple(fc.constant(lit), textOf(lit), fc.constantFrom('', '.*x?', '\\b'))),
        ([lit, text, tail]) => {
          // filler of digits and punctuation moves the window far, so the byte loop is the one used
          const b = Buffer.concat([text, Buffer.from(`\n${'0123456789:;=-_'.repeat(800)}\n`), text]);
          const pattern = `${lit}${tail}`;
          const re = compilePattern(pattern, true);
          const lits = requiredLiterals(pattern)!;
          expect(lits).toEqual([lit]);
          expect(ciFinder(lit.slice(0, CI_MAX_CHARS)).worthIt(b)).toBe(true); // a longer literal is searched by its start
          const m: Matcher = { re, ignoreCase: true, literals: lits.map((l) => l.toLowerCase()), foldSafe: lits.every((l) => !/[ks]/i.test(l)), blockOk: true, js: null, jsSlow: 0 };
          const got: string[] = [];
          for (const [s, e] of candidates(m, b)) if (re.test(b.toString('utf8', s, e))) got.push(`${s}`);
          const want: string[] = [];
          for (let s = 0; s <= b.length; ) {
            const nl = b.indexOf(10, s);
            const e = nl < 0 ? b.length : nl;
            if (re.test(b.toString('utf8', s, e))) want.push(`${s}`);
            s = e + 1;
          }
          expect(got).toEqual(want);
        },
      ),
      { numRuns: 500 },
    );
  });
});
