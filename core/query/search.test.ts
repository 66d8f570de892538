import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE, writeSampleBundle } from '../../test/fixtures/sample-bundle.js';
import { ingestBundle } from '../ingest/ingest-bundle.js';
import { CompiledCatalog } from '../rules/compiled-catalog.js';
import { FsBundleStore } from '../store/fs-store.js';
import { type BundleRef, resolveBundle } from './bundle-ref.js';
import { requiredLiteral, SearchError, searchBundle, searchHitId, type SearchOptions } from './search.js';

let work: string;
let store: FsBundleStore;
let sample: BundleRef;
let sampleDir: string;
let gen: BundleRef;
/** the generated multi-chunk file: its lines and each line's byte offset */
const multi: { lines: Buffer[]; offsets: number[] } = { lines: [], offsets: [] };
const refMs = Date.parse(SAMPLE.collectedAt);

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'search-test-'));
  store = new FsBundleStore(join(work, 'store'));
  const catalog = CompiledCatalog.load();
  const s = await writeSampleBundle(join(work, 'sample'));
  sampleDir = s.dir;
  const r = await ingestBundle({ store, catalog, source: { kind: 'archive', path: s.archive } });
  sample = await resolveBundle(store, r.node);

  // ~3 MiB so lines straddle the 1 MiB read chunks; multi-byte text and a stray invalid byte make
  // string and byte offsets differ
  const dir = join(work, 'gen');
  await mkdir(join(dir, 'app'), { recursive: true });
  await mkdir(join(dir, 'system'), { recursive: true });
  let off = 0;
  for (let n = 1; off < 3 * 1024 * 1024; n++) {
    let l = Buffer.from(`row ${n} ${'z'.repeat(n % 90)}${n % 997 === 0 ? ` MARKER-${n} end` : ''}${n % 500 === 0 ? ' café — ünïcode' : ''}`);
    if (n % 1234 === 0) l = Buffer.concat([l, Buffer.from([0xff, 0x41])]);
    multi.lines.push(l);
    multi.offsets.push(off);
    off += l.length + 1;
  }
  await writeFile(join(dir, 'app/multi.log'), Buffer.concat(multi.lines.flatMap((l) => [l, Buffer.from('\n')])));
  await writeFile(join(dir, 'app/aaa.log'), `${'a'.repeat(100_000)}b\n`);
  await writeFile(join(dir, 'system/core.bin'), Buffer.from([0x7f, 0x45, 0, 0, 1]));
  await ingestBundle({ store, catalog, source: { kind: 'directory', path: dir }, node: 'gen-node' });
  gen = await resolveBundle(store, 'gen-node');
}, 120_000);
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const search = (ref: BundleRef, o: Partial<SearchOptions> & { pattern: string }) => searchBundle(store, ref, { referenceMs: refMs, maxPerFile: 200, maxTotal: 1000, ...o });
/** what a per-line scan of the unpacked sample finds, in manifest path order */
async function expected(test: (line: string) => boolean) {
  const out: { path: string; line: number; text: string }[] = [];
  for (const f of [...sample.manifest.files].sort((a, b) => (a.path < b.path ? -1 : 1))) {
    const lines = (await readFile(join(sampleDir, f.path), 'utf8')).split('\n');
    lines.forEach((text, i) => test(text) && out.push({ path: f.path, line: i + 1, text }));
  }
  return out;
}
const failure = async (p: Promise<unknown>) => {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(SearchError);
  return (err as Error).message;
};

describe('searchBundle', () => {
  it('finds every line holding a literal, with ids S-001… in manifest path order', async () => {
    const r = await search(sample, { pattern: 'failed to assign an IP address' });
    const want = await expected((l) => l.includes('failed to assign an IP address'));
    expect(want.length).toBe(64);
    expect(r.hits.map((h) => [h.path, h.line])).toEqual(want.map((w) => [w.path, w.line]));
    expect(r.hits.map((h) => h.id).slice(0, 3)).toEqual(['S-001', 'S-002', 'S-003']);
    expect(r.hits.at(-1)!.id).toBe(searchHitId(64));
    expect(r.truncated).toBe(false);
    expect(r.coverage.filesSearched).toBe(sample.manifest.files.length);
    expect(r.coverage.bytesSearched).toBe(r.coverage.bytesTotal);
  });

  it('matches RE2 regexes, gives byte offsets, timestamps and text capped at 500 chars', async () => {
    const r = await search(sample, { pattern: 'InsufficientFree\\w+InSubnet.*subnet-[0-9a-f]+' });
    const want = await expected((l) => /InsufficientFree\w+InSubnet.*subnet-[0-9a-f]+/.test(l));
    expect(r.hits.map((h) => [h.path, h.line])).toEqual(want.map((w) => [w.path, w.line]));
    const h = r.hits[0]!;
    const raw = await readFile(join(sampleDir, h.path));
    expect(raw.subarray(h.byteOffset, h.byteOffset + 40).toString()).toBe(want[0]!.text.slice(0, 40));
    expect(h.timestamp).toBe('2024-03-14T08:40:02.002Z');
    expect(h.text.length).toBeLessThanOrEqual(500);
  });

  it('returns the requested context lines before and after each hit', async () => {
    const r = await search(sample, { pattern: 'AssignPodIPv4Address', contextLines: 2 });
    const lines = (await readFile(join(sampleDir, 'var_log/aws-routed-eni/ipamd.log'), 'utf8')).split('\n').slice(0, -1);
    expect(r.hits.length).toBeGreaterThan(10);
    for (const h of r.hits) {
      expect(h.before).toEqual(lines.slice(Math.max(0, h.line - 3), h.line - 1));
      expect(h.after).toEqual(lines.slice(h.line, h.line + 2));
    }
  });

  it('stops a file at max_per_file and the search at max_results, and says so', async () => {
    const perFile = await search(sample, { pattern: 'failed to assign an IP address', maxPerFile: 3 });
    expect(perFile.hits).toHaveLength(9);
    expect(perFile.truncated).toBe(true);
    expect(perFile.coverage.perFileCapHits).toEqual(['containerd/containerd-log.txt', 'kubelet/kubelet.log', 'var_log/aws-routed-eni/plugin.log']);
    const total = await search(sample, { pattern: 'failed to assign an IP address', maxTotal: 5 });
    expect(total.hits.map((h) => h.id)).toEqual(['S-001', 'S-002', 'S-003', 'S-004', 'S-005']);
    expect(total.truncated).toBe(true);
    expect(total.coverage.filesNotReached).toBeGreaterThan(0);
    expect(total.coverage.bytesSearched).toBeLessThan(total.coverage.bytesTotal);
  });

  it('clamps oversized caps instead of failing', async () => {
    const r = await search(sample, { pattern: 'ENI', maxPerFile: 10_000, maxTotal: 1e9, contextLines: 99 });
    expect(r.limits).toMatchObject({ maxPerFile: 200, maxTotal: 1000, contextLines: 5 });
    expect(r.limits.clamped).toHaveLength(3);
  });

  it('matches case-insensitively only when asked', async () => {
    expect((await search(sample, { pattern: 'FAILED TO ASSIGN an ip' })).hits).toHaveLength(0);
    expect((await search(sample, { pattern: 'FAILED TO ASSIGN an ip', ignoreCase: true })).hits).toHaveLength(64);
    expect((await search(sample, { pattern: 'FAILED (TO|for) ASSIGN', ignoreCase: true })).hits).toHaveLength(64);
  });

  it('skips hits whose own timestamp is outside the window and counts them', async () => {
    const all = await search(sample, { pattern: 'failed to assign an IP address' });
    const window = { startMs: Date.parse('2024-03-14T08:40:00Z'), endMs: Date.parse('2024-03-14T08:50:00Z') };
    const r = await search(sample, { pattern: 'failed to assign an IP address', window });
    const inside = all.hits.filter((h) => Date.parse(h.timestamp!) >= window.startMs && Date.parse(h.timestamp!) <= window.endMs);
    expect(r.hits.map((h) => h.text)).toEqual(inside.map((h) => h.text));
    expect(r.excludedByWindow).toBe(all.hits.length - inside.length);
    expect(r.hits[0]!.id).toBe('S-001');
    // lines without a timestamp of their own are kept
    const untimed = await search(gen, { pattern: 'MARKER-997 ', window });
    expect(untimed.hits).toHaveLength(1);
  });

  it('keeps line numbers and byte offsets exact across read chunks and multi-byte text', async () => {
    const want = multi.lines.map((l, i) => [i + 1, multi.offsets[i]!, l] as const).filter(([, , l]) => l.includes('MARKER-'));
    for (const pattern of ['MARKER-\\d+ end', 'MARKER-\\d+ end|no-such-text-anywhere']) {
      const r = await search(gen, { pattern, fileGlob: 'app/multi.log' });
      expect(r.hits.map((h) => [h.line, h.byteOffset])).toEqual(want.map(([n, o]) => [n, o]));
      expect(r.coverage.filesSkippedGlob).toBe(1);
      expect(r.coverage.filesSkippedBinary).toBe(1);
    }
    const u = await search(gen, { pattern: 'café — ünïcode', maxPerFile: 200 });
    expect(u.hits[0]).toMatchObject({ line: 500, byteOffset: multi.offsets[499] });
    // ignore_case: a non-ASCII literal, one with k/s over non-ASCII text, and one without k/s
    expect((await search(gen, { pattern: 'CAFÉ — ÜNÏCODE', ignoreCase: true, maxPerFile: 1 })).hits[0]!.line).toBe(500);
    expect((await search(gen, { pattern: 'marker-997 END', ignoreCase: true })).hits.map((h) => h.line)).toEqual([997]);
    expect((await search(gen, { pattern: '-997 END', ignoreCase: true })).hits.map((h) => h.line)).toEqual([997]);
  });

  it('runs a catastrophic-backtracking pattern over a 100 KB line in linear time', async () => {
    const t = performance.now();
    const r = await search(gen, { pattern: '(a+)+$', fileGlob: 'aaa.log' });
    expect(performance.now() - t).toBeLessThan(2000);
    expect(r.hits).toHaveLength(0);
    expect((await search(gen, { pattern: '(a|aa)+b$', fileGlob: 'aaa.log' })).hits).toHaveLength(1);
  });

  it('rejects an invalid pattern, a pattern over 1000 characters and a glob that matches nothing', async () => {
    expect(await failure(search(sample, { pattern: '(abc' }))).toMatch(/^invalid pattern: .*missing closing \): `\(abc`/);
    expect(await failure(search(sample, { pattern: '(?<=x)y' }))).toMatch(/^invalid pattern/);
    expect(await failure(search(sample, { pattern: 'a'.repeat(1001) }))).toMatch(/1001 characters, the limit is 1000/);
    expect(await failure(search(sample, { pattern: 'x', fileGlob: 'nope/**' }))).toMatch(/matches none/);
  });
});

describe('requiredLiteral', () => {
  it('finds the longest literal every match must contain, and gives up when unsure', () => {
    expect(requiredLiteral('failed to assign an IP address')).toBe('failed to assign an IP address');
    expect(requiredLiteral('fail(ed)? to assign')).toBe(' to assign');
    expect(requiredLiteral('abcd?efgh')).toBe('efgh');
    expect(requiredLiteral('x\\.y\\.zz+')).toBe('x.y.zz');
    expect(requiredLiteral('[abc]+defg{2}')).toBe('def');
    expect(requiredLiteral('foo|barbaz')).toBeNull();
    expect(requiredLiteral('(?i)hello')).toBeNull();
    expect(requiredLiteral('\\Qa.b\\E')).toBeNull();
    expect(requiredLiteral('ab')).toBeNull();
  });
});
