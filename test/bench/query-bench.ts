import { execFileSync, spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { once } from 'node:events';
import { ingestBundle } from '../../core/ingest/ingest-bundle.js';
import { type BundleRef, resolveBundle } from '../../core/query/bundle-ref.js';
import { readLines } from '../../core/query/read-file.js';
import { searchBundle } from '../../core/query/search.js';
import { CompiledCatalog } from '../../core/rules/compiled-catalog.js';
import { FsBundleStore } from '../../core/store/fs-store.js';
import { generateBundle } from './generate-bundle.js';

/**
 * Query benchmark: `search` against ripgrep over the same extracted files (single thread each, as
 * our search is), and `read` latency at the start, middle and end of the largest file, with the
 * bytes each read fetched (O(range), not O(file)). Reuses ingest-bench's generated bundle.
 *   node dist/test/bench/query-bench.js [--size-mib 256] [--work DIR] [--big]
 * --big also builds a >= 2 GiB single-file bundle by repeating the kubelet log, and reads that.
 */
const args = process.argv.slice(2);
const arg = (k: string, d: string) => (args.includes(k) ? args[args.indexOf(k) + 1]! : d);
const sizeMiB = Number(arg('--size-mib', '256'));
const work = resolve(arg('--work', '.cache/bench'));
const big = args.includes('--big');
const exists = (p: string) => stat(p).then(() => true, () => false);
const mib = (b: number) => b / 1024 / 1024;

/** Counts the bytes read requests ask for, to show a read's cost does not grow with the file. */
class CountingStore extends FsBundleStore {
  rangeBytes = 0;
  override async getRange(key: string, start: number, end: number) {
    this.rangeBytes += Math.max(0, Math.min(end, (await this.head(key))?.size ?? 0) - start);
    return super.getRange(key, start, end);
  }
}

async function timed<T>(n: number, f: () => Promise<T>): Promise<{ ms: number; value: T }> {
  let best = Infinity;
  let value!: T;
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    value = await f();
    best = Math.min(best, performance.now() - t);
  }
  return { ms: +best.toFixed(2), value };
}

/** the bundle of `dir` in its own store under the work dir, ingested once and reused */
async function ingested(dir: string, name: string): Promise<{ store: CountingStore; ref: BundleRef }> {
  const store = new CountingStore(join(work, `query-store-${name}`));
  const ref = await resolveBundle(store, name).catch(async () => {
    process.stderr.write(`ingesting ${dir}\n`);
    await ingestBundle({ store, catalog: CompiledCatalog.load(), source: { kind: 'directory', path: dir }, node: name });
    return resolveBundle(store, name);
  });
  return { store, ref };
}

const hasRg = spawnSync('rg', ['--version']).status === 0;
function rgCount(pattern: string, dir: string, ignoreCase: boolean, threads: string[] = ['-j', '1']): { ms: number; lines: number } | undefined {
  if (!hasRg) return undefined;
  let best = Infinity;
  let lines = 0;
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    const r = spawnSync('rg', ['-c', ...threads, '--no-messages', ...(ignoreCase ? ['-i'] : []), '-e', pattern, dir], { encoding: 'utf8', maxBuffer: 1 << 24 });
    best = Math.min(best, performance.now() - t);
    lines = r.stdout.split('\n').filter(Boolean).reduce((s, l) => s + Number(l.slice(l.lastIndexOf(':') + 1)), 0);
  }
  return { ms: +best.toFixed(1), lines };
}

async function readAt(store: CountingStore, ref: BundleRef, path: string) {
  const lines = ref.manifest.files.find((f) => f.path === path)!.lines!;
  const out: Record<string, { line: number; ms: number; returnedBytes: number; fetchedKiB: number }> = {};
  for (const [label, n] of [['start', 10], ['middle', Math.floor(lines / 2)], ['end', Math.max(1, lines - 300)]] as const) {
    await readLines(store, ref, path, { startLine: n, maxBytes: 64 * 1024 }); // warm the line index read
    store.rangeBytes = 0;
    const r = await timed(3, () => readLines(store, ref, path, { startLine: n, maxBytes: 64 * 1024 }));
    out[label] = { line: n, ms: r.ms, returnedBytes: r.value.returnedBytes, fetchedKiB: Math.round(store.rangeBytes / 3 / 1024) };
  }
  return out;
}

async function main() {
  const dir = join(work, `bundle-${sizeMiB}`);
  if (!(await exists(join(dir, 'kubelet/kubelet.log')))) {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    process.stderr.write(`generating a ${sizeMiB} MiB bundle in ${dir}\n`);
    await generateBundle(dir, sizeMiB * 1024 * 1024);
  }
  const { store, ref } = await ingested(dir, `bench-${sizeMiB}`);
  // a store ingested just now leaves ~1 GiB of dirty pages: written back first, so the kernel's
  // writeback does not compete with whichever tool is timed first
  execFileSync('sync');
  const total = ref.manifest.files.reduce((s, f) => s + f.size, 0);

  // (a) search vs rg -c: the realistic call (default caps: stops a file at 20 hits), and full scans
  // where no cap stops early, so the two tools read the same bytes
  const cases: [string, string, boolean][] = [
    ['literal, default caps', 'failed to assign an IP address', false],
    ['literal, full scan (no hit)', 'failed to assign an IP address to pod', false],
    ['literal, ignore case, full scan', 'FAILED TO ASSIGN AN IP ADDRESS TO POD', true],
    ['regex needing one of two literals, full scan', 'InsufficientFree\\w+InVpc|OOM[- ]?killer invoked', false],
    // no literal of 3+ characters to prefilter on: the V8 translation of the pattern picks the lines (search-js-prefilter.ts)
    ['regex without a literal, full scan', '[0-9]{3}\\.[0-9]{3}\\.[0-9]{2}[xyz]', false],
  ];
  const search: Record<string, unknown>[] = [];
  for (const [label, pattern, ignoreCase] of cases) {
    const s = await timed(3, () => searchBundle(store, ref, { pattern, ignoreCase, referenceMs: Date.parse(ref.manifest.collectedAt) }));
    const rg = rgCount(pattern, dir, ignoreCase);
    const rgAll = rgCount(pattern, dir, ignoreCase, []); // default threads, for reference only
    const c = s.value.coverage;
    search.push({
      case: label, pattern, ms: Math.round(s.ms), hits: s.value.hits.length, truncated: s.value.truncated,
      MiBSearched: +mib(c.bytesSearched).toFixed(1), MiBps: +(mib(c.bytesSearched) / (s.ms / 1000)).toFixed(0),
      ...(rg ? { rgMs: rg.ms, rgMatchingLines: rg.lines, rgMiBps: +(mib(total) / (rg.ms / 1000)).toFixed(0), ratioVsRg: +(s.ms / rg.ms).toFixed(2), rgDefaultThreadsMs: rgAll!.ms, ratioVsRgDefaultThreads: +(s.ms / rgAll!.ms).toFixed(2) } : { rg: 'not installed: skipped' }),
    });
  }

  // (b) read latency at the start, middle and end of the largest file
  const largest = [...ref.manifest.files].sort((a, b) => b.size - a.size)[0]!;
  const reads: Record<string, unknown> = { file: largest.path, MiB: +mib(largest.size).toFixed(1), lines: largest.lines, at: await readAt(store, ref, largest.path) };

  let bigReads: Record<string, unknown> | undefined;
  if (big) {
    const bdir = join(work, 'bundle-big-2g');
    const file = join(bdir, 'var_log/huge.log');
    if (!(await exists(file))) {
      await mkdir(join(bdir, 'var_log'), { recursive: true });
      process.stderr.write(`building a >= 2 GiB file in ${file}\n`);
      const out = createWriteStream(file);
      for (let written = 0; written < 2 * 1024 ** 3 + (1 << 20); ) {
        for await (const c of createReadStream(join(dir, largest.path), { highWaterMark: 1 << 22 })) {
          if (!out.write(c)) await once(out, 'drain');
          written += (c as Buffer).length;
        }
      }
      out.end();
      await once(out, 'finish');
    }
    const b = await ingested(bdir, 'bench-big-2g');
    const f = b.ref.manifest.files.find((x) => x.path === 'var_log/huge.log')!;
    bigReads = { file: f.path, MiB: +mib(f.size).toFixed(1), lines: f.lines, at: await readAt(b.store, b.ref, f.path) };
  }

  const result = { bundle: { MiB: +mib(total).toFixed(1), files: ref.manifest.files.length, rg: hasRg ? 'rg -c -j 1' : 'not installed' }, search, read: reads, ...(bigReads ? { readBig: bigReads } : {}) };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  for (const s of search) process.stdout.write(`search ${s.case}: ${s.ms} ms${s.ratioVsRg !== undefined ? `, ${s.ratioVsRg}x rg -c -j1 (${s.rgMs} ms), ${s.ratioVsRgDefaultThreads}x rg -c default threads (${s.rgDefaultThreadsMs} ms)` : ''}\n`);
  for (const [k, v] of Object.entries((bigReads ?? reads).at as Record<string, { ms: number; fetchedKiB: number }>)) process.stdout.write(`read 64 KiB at ${k}: ${v.ms} ms (${v.fetchedKiB} KiB fetched)\n`);
}

await main();
