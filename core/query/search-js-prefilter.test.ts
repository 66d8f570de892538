import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { candidates, compilePattern, makeMatcher } from './search-prefilter.js';
import { jsPrefilter } from './search-js-prefilter.js';

/** lines (byte ranges) candidates() picks, as their start offsets */
function picked(pattern: string, ignoreCase: boolean, text: Buffer) {
  const m = makeMatcher(compilePattern(pattern, ignoreCase), pattern, ignoreCase);
  return { m, starts: new Set([...candidates(m, text)].map(([s]) => s)) };
}

/** start offsets of the lines RE2 matches, each tested alone as search does */
function re2Lines(pattern: string, ignoreCase: boolean, text: Buffer): number[] {
  const re = compilePattern(pattern, ignoreCase);
  const out: number[] = [];
  for (let s = 0; s <= text.length; ) {
    let e = text.indexOf(10, s);
    if (e < 0) e = text.length;
    if (s < text.length && re.test(text.toString('utf8', s, e))) out.push(s);
    s = e + 1;
  }
  return out;
}

describe('jsPrefilter: RE2 patterns without a literal, run by V8', () => {
  it('takes the usual shapes of log searches', () => {
    for (const p of ['[0-9]{3}\\.[0-9]{3}\\.[0-9]{2}[xyz]', '\\d+ms', '(?P<code>4\\d\\d|5\\d\\d) \\w+', '(?:a|b)+c', '[^a-z]{3,}', '.{2,5}x', '\\bK\\B', 'x\\s*=\\s*\\S+', '[]a-]+', '😀{2}', 'é.ë']) {
      expect(jsPrefilter(p, false), p).toBeInstanceOf(RegExp);
    }
    expect(jsPrefilter('[a-f]k', true)).toBeInstanceOf(RegExp);
  });

  it('gives up on what it cannot translate exactly or over-approximate: search then uses re2js alone', () => {
    for (const p of ['(?i)abc', '\\pL+', '\\p{Greek}', '\\x41', '\\x{263a}', '\\Qa.b\\E', '\\Aabc', 'abc\\z', '[[:alpha:]]+', 'a{,3}', '\\1', '\\C']) {
      expect(jsPrefilter(p, false), p).toBeNull();
    }
    // non-ASCII under ignore_case: RE2's Unicode folding is not reproduced
    expect(jsPrefilter('é+', true)).toBeNull();
    expect(jsPrefilter('[à-ÿ]', true)).toBeNull();
  });

  it('picks every line RE2 matches, and only lines where a V8 match starts on ASCII text', () => {
    const text = Buffer.from(['t=123.456.78x ok', 'nothing here', 'v 999.000.12z', '123.45.67x', ''].join('\n'));
    const { m, starts } = picked('[0-9]{3}\\.[0-9]{3}\\.[0-9]{2}[xyz]', false, text);
    expect(m.js).not.toBeNull();
    expect([...starts]).toEqual(re2Lines('[0-9]{3}\\.[0-9]{3}\\.[0-9]{2}[xyz]', false, text));
    expect(starts.size).toBe(2);
  });

  it('counts a non-BMP character as one, as RE2 does (two UTF-16 units in V8)', () => {
    for (const [p, line] of [['^.$', '😀'], ['x.{2}x', 'x😀éx'], ['^[^a]$', '😀'], ['😀{2}', '😀😀']] as const) {
      const text = Buffer.from(`${line}\n`);
      expect(re2Lines(p, false, text), p).toEqual([0]);
      const { m, starts } = picked(p, false, text);
      expect(m.js, p).not.toBeNull();
      expect([...starts], p).toEqual([0]);
    }
  });

  it('property: on random patterns and lines (non-ASCII, emoji, Kelvin sign, long s, CR, invalid UTF-8) no line RE2 matches is missed', () => {
    const chars = ['a', 'b', 'k', 'K', 's', 'S', 'x', '1', '7', ' ', '.', '-', '_', '=', 'é', 'É', 'ë', '😀', '\u212a', '\u017f', '\r', '\t'];
    const atom = fc.oneof(
      fc.constantFrom('a', 'b', 'k', 's', 'x', '1', ' ', '\\.', '-', '=', 'é', '😀', 'K'),
      fc.constantFrom('\\d', '\\w', '\\s', '\\D', '\\W', '\\S', '\\b', '\\B', '.', '^', '$'),
      fc.constantFrom('[a-c]', '[^ab]', '[\\d_]', '[^\\s]', '[é-ë]', '[ks]', '[^k]', '[A-Z]', '[]x]', '[x-]'),
    );
    const quant = fc.constantFrom('', '', '', '*', '+', '?', '{1,3}', '{2}', '*?', '+?');
    const piece = fc.tuple(atom, quant).map(([a, q]) => (q && (a === '^' || a === '$' || a === '\\b' || a === '\\B') ? a : a + q));
    const seq = fc.array(piece, { minLength: 1, maxLength: 5 }).map((a) => a.join(''));
    const pattern = fc.oneof(seq, fc.tuple(seq, seq, quant).map(([x, y, q]) => `(?:${x}|${y})${q}`), fc.tuple(seq, seq).map(([x, y]) => `${x}|${y}`));
    const line = fc.array(fc.constantFrom(...chars), { maxLength: 12 }).map((a) => a.join(''));
    const invalid = fc.constantFrom(Buffer.from([0x80]), Buffer.from([0xc3]), Buffer.from([0xe2, 0x82]), Buffer.from([0xff, 0x41]));
    const lineBytes = fc.oneof({ weight: 4, arbitrary: line.map((l) => Buffer.from(l)) }, { weight: 1, arbitrary: fc.tuple(line, invalid, line).map(([x, b, y]) => Buffer.concat([Buffer.from(x), b, Buffer.from(y)])) });
    let translated = 0;
    let runs = 0;
    fc.assert(
      fc.property(pattern, fc.boolean(), fc.array(lineBytes, { minLength: 1, maxLength: 8 }), (p, ic, ls) => {
        let re;
        try {
          re = compilePattern(p, ic);
        } catch {
          return; // not valid RE2: search rejects it before any prefilter
        }
        runs++;
        const text = Buffer.concat(ls.flatMap((l) => [l, Buffer.from('\n')]));
        const m = makeMatcher(re, p, ic);
        if (m.js !== null) translated++;
        const got = new Set([...candidates(m, text)].map(([s]) => s));
        for (const s of re2Lines(p, ic, text)) expect(got.has(s), `${JSON.stringify(p)} ic=${ic} line at ${s}: ${JSON.stringify(text.toString())}`).toBe(true);
        // each line alone too: in a block, another line's match can pick a whole non-ASCII piece
        for (const l of ls) {
          if (re.test(l.toString('utf8'))) expect([...candidates(m, Buffer.concat([l, Buffer.from('\n')]))].length, `${JSON.stringify(p)} ic=${ic} alone: ${JSON.stringify(l.toString())}`).toBe(1);
        }
      }),
      { numRuns: 3000, seed: 20261124 },
    );
    // the property is about the V8 path: most generated patterns must have taken it
    expect(translated / runs).toBeGreaterThan(0.5);
  });

  // V8 switches such a regex to its linear engine after too many backtracks, and candidates()
  // drops the V8 path for the rest of the search once pieces run that slowly
  it('catastrophic patterns finish in bounded time with every matching line', () => {
    const hostile = Buffer.from(`${`${'a'.repeat(60)}b\n`.repeat(3000)}`);
    for (const p of ['(a+)+$', '(a|aa)+$', '(?:a*)*c', '(a|a?)+$']) {
      const t = performance.now();
      const { starts } = picked(p, false, hostile);
      expect(performance.now() - t, p).toBeLessThan(5000);
      expect([...starts].filter((s) => re2Lines(p, false, hostile).includes(s)).length).toBe(re2Lines(p, false, hostile).length);
      expect(jsPrefilter(p, false), p).toBeInstanceOf(RegExp); // it was tried, not refused
    }
  });
});
