// Line numbers and regions of `search` on its fast path (FsBundleStore.readChunks in whole 4 MiB
// chunks, line numbers from the bundle's line index) against the plain path (the store's 1 MiB
// stream, every newline counted) and against a line-by-line reading of the file itself.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestBundle } from '../ingest/ingest-bundle.js';
import { CompiledCatalog } from '../rules/compiled-catalog.js';
import { type BundleStore, NotFoundError, type ObjectInfo, type PutOptions } from '../store/bundle-store.js';
import { FsBundleStore } from '../store/fs-store.js';
import { type BundleRef, resolveBundle } from './bundle-ref.js';
import { searchBundle, type SearchOptions } from './search.js';

/**
 * The same objects without the fast path: no readChunks, so files come through get() in 1 MiB
 * chunks; `lineIndex` replaces line-index.json (undefined: absent, so every newline is counted).
 */
class PlainStore implements BundleStore {
  readonly kind = 'fs' as const;
  constructor(private readonly inner: FsBundleStore, private readonly lineIndex?: (real: Buffer) => Buffer) {}
  put(key: string, body: Readable | Buffer | string, opts?: PutOptions) {
    return this.inner.put(key, body, opts);
  }
  get(key: string) {
    return this.inner.get(key);
  }
  getRange(key: string, start: number, end: number) {
    return this.inner.getRange(key, start, end);
  }
  async getBuffer(key: string) {
    const b = await this.inner.getBuffer(key);
    if (!key.endsWith('/line-index.json')) return b;
    if (!this.lineIndex) throw new NotFoundError(key);
    return this.lineIndex(b);
  }
  head(key: string): Promise<ObjectInfo | undefined> {
    return this.inner.head(key);
  }
  list(prefix: string) {
    return this.inner.list(prefix);
  }
  delete(key: string) {
    return this.inner.delete(key);
  }
  deletePrefix(prefix: string) {
    return this.inner.deletePrefix(prefix);
  }
}

/** a deterministic text file: mostly short lines, some MARK lines, optionally lines over 1 MiB */
function makeFile(seed: number, bytes: number, markEvery: number, overlong: number[]): Buffer {
  let x = seed >>> 0 || 1;
  const rnd = (n: number) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
  const parts: Buffer[] = [];
  let size = 0;
  for (let n = 1; size < bytes; n++) {
    let l: string;
    if (overlong.includes(n)) l = `${'y'.repeat((1 << 20) + rnd(1 << 20))}${rnd(2) ? ' MARK-long' : ''}`;
    else l = `2024-03-14T08:${String(rnd(60)).padStart(2, '0')}:00Z row ${n} ${'x'.repeat(rnd(rnd(8) === 0 ? 3000 : 200))}${rnd(markEvery) === 0 ? ` MARK-${n}` : ''}`;
    const b = Buffer.from(rnd(50) === 0 ? `${l}\r\n` : `${l}\n`);
    parts.push(b);
    size += b.length;
  }
  return Buffer.concat(parts);
}

/** each line of `file` holding `needle`: 1-based number and byte offset */
function expected(file: Buffer, needle: string): [number, number][] {
  const out: [number, number][] = [];
  for (let s = 0, n = 1; s < file.length; n++) {
    const nl = file.indexOf(10, s);
    const e = nl < 0 ? file.length : nl;
    if (file.subarray(s, e).includes(needle)) out.push([n, s]);
    s = e + 1;
  }
  return out;
}

let work: string;
let store: FsBundleStore;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'search-lines-'));
  store = new FsBundleStore(join(work, 'store'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

let bundles = 0;
async function bundleOf(files: Record<string, Buffer>): Promise<BundleRef> {
  const dir = join(work, `b${++bundles}`);
  for (const [p, b] of Object.entries(files)) {
    await mkdir(join(dir, p, '..'), { recursive: true });
    await writeFile(join(dir, p), b);
  }
  await ingestBundle({ store, catalog: CompiledCatalog.load(), source: { kind: 'directory', path: dir }, node: `lines-${bundles}` });
  return resolveBundle(store, `lines-${bundles}`);
}

const run = (s: BundleStore, ref: BundleRef, o: Partial<SearchOptions> & { pattern: string }) => searchBundle(s, ref, { referenceMs: 0, ...o });

describe('search line numbers and regions', () => {
  it('gives the same hits, context and coverage as the plain path, and the lines a per-line reading finds', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.integer({ min: 3, max: 40 }).map((k) => k * 256 * 1024), // 0.75–10 MiB: several 4 MiB chunks, index points
        fc.integer({ min: 3, max: 4000 }),
        fc.constantFrom([], [], [7], [2, 40]),
        async (seed, bytes, markEvery, overlong) => {
          const big = makeFile(seed, bytes, markEvery, overlong);
          const small = makeFile(seed + 1, 300_000, markEvery, []);
          const ref = await bundleOf({ 'var_log/big.log': big, 'var_log/small.log': small });
          const plain = new PlainStore(store);
          const want = expected(big, 'MARK');
          const all = await run(store, ref, { pattern: 'MARK', fileGlob: 'big.log', maxPerFile: 200, maxTotal: 1000 });
          // a hit on a line over 1 MiB has its fragment's offset (documented): compare those by line only
          const longLines = new Set(overlong);
          const key = ([n, o]: [number, number]) => (longLines.has(n) ? [n] : [n, o]);
          expect(all.hits.map((h) => key([h.line, h.byteOffset]))).toEqual(want.slice(0, 200).map(key));
          for (const o of [
            { pattern: 'MARK-\\d+', maxPerFile: 200, maxTotal: 1000, contextLines: 2 },
            { pattern: 'MARK', maxPerFile: 1 + (seed % 30), maxTotal: 1000 },
            { pattern: 'mark-[0-9]', ignoreCase: true, maxPerFile: 5, maxTotal: 1 + (seed % 7), contextLines: 1 },
            { pattern: 'row \\d+7 ', maxPerFile: 3 + (seed % 50) },
          ]) {
            expect(await run(store, ref, o)).toEqual(await run(plain, ref, o));
          }
        },
      ),
      { numRuns: 12 },
    );
  }, 240_000);

  it('counts every newline when the line index does not fit the file (a point not after a newline)', async () => {
    const big = makeFile(99, 9 << 20, 300, []);
    const ref = await bundleOf({ 'var_log/big.log': big });
    const shifted = new PlainStore(store, (real) => {
      const idx = JSON.parse(real.toString('utf8')) as Record<string, [number, number][]>;
      // one byte back: each point lands on the newline ending the line before its own
      for (const pts of Object.values(idx)) for (const p of pts) if (p[1] > 0) p[1] -= 1;
      return Buffer.from(JSON.stringify(idx));
    });
    const o = { pattern: 'MARK', maxPerFile: 200, maxTotal: 1000 };
    const r = await run(shifted, ref, o);
    expect(r.hits.length).toBeGreaterThan(50);
    expect(r.hits.map((h) => [h.line, h.byteOffset])).toEqual(expected(big, 'MARK').slice(0, 200));
    expect(r).toEqual(await run(store, ref, o));
  });

  it('reports the bytes searched up to the 1 MiB piece where a cap stopped, as the plain path does', async () => {
    // 1 KiB lines: every 1 MiB piece and 4 MiB chunk starts a line; the stop falls on a piece's first line
    const lines = Array.from({ length: 6 * 1024 }, (_, i) => `${i + 1 === 10 || i + 1 === 2049 || i + 1 === 4097 ? 'MARK' : 'line'} ${i + 1}`.padEnd(1023, '.'));
    const file = Buffer.from(`${lines.join('\n')}\n`);
    const ref = await bundleOf({ 'var_log/even.log': file });
    for (const [maxPerFile, stopLine] of [[1, 2049], [2, 4097]] as const) {
      const o = { pattern: 'MARK', maxPerFile };
      const r = await run(store, ref, o);
      expect(r.hits.at(-1)!.line).toBeLessThan(stopLine);
      expect(r.truncated).toBe(true);
      const pieceEnd = (Math.floor(((stopLine - 1) * 1024) / (1 << 20)) + 1) * (1 << 20);
      expect(r.coverage.bytesSearched).toBe(pieceEnd);
      expect(r).toEqual(await run(new PlainStore(store), ref, o));
    }
  });
});
