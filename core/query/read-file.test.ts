import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSampleBundle } from '../../test/fixtures/sample-bundle.js';
import { ingestBundle } from '../ingest/ingest-bundle.js';
import { CompiledCatalog } from '../rules/compiled-catalog.js';
import { FsBundleStore } from '../store/fs-store.js';
import { type BundleRef, resolveBundle } from './bundle-ref.js';
import { MAX_LINE_CHARS, READ_MAX_BYTES, ReadError, readBytes, readLines } from './read-file.js';

/** Counts what reads cost: bytes asked of getRange, and whole-object gets. */
class CountingStore extends FsBundleStore {
  rangeBytes = 0;
  gets = 0;
  override async getRange(key: string, start: number, end: number) {
    const size = (await this.head(key))?.size ?? 0;
    this.rangeBytes += Math.max(0, Math.min(end, size) - start);
    return super.getRange(key, start, end);
  }
  override async get(key: string) {
    this.gets++;
    return super.get(key);
  }
}

/** line n of the big file: numbered, of varying length so offsets are not a formula */
const bigLine = (n: number) => `line ${String(n).padStart(8, '0')} ${'x'.repeat(10 + ((n * 7919) % 150))}`;
const BIG_TARGET = 20 * 1024 * 1024;
let bigLines = 0;
const smallLines = Array.from({ length: 10 }, (_, i) => `2024-03-14T08:0${i}:00Z small line ${i + 1}`);

let work: string;
let store: CountingStore;
let ref: BundleRef;
let other: BundleRef;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'read-file-test-'));
  const dir = join(work, 'big-node-bundle');
  await mkdir(join(dir, 'var_log'), { recursive: true });
  await mkdir(join(dir, 'system'), { recursive: true });
  const parts: string[] = [];
  for (let n = 1, size = 0; size < BIG_TARGET; n++) {
    const l = `${bigLine(n)}\n`;
    parts.push(l);
    size += l.length;
    bigLines = n;
  }
  await writeFile(join(dir, 'var_log/big.log'), parts.join(''));
  await writeFile(join(dir, 'var_log/small.log'), `${smallLines.join('\n')}\n`);
  await writeFile(join(dir, 'var_log/long-line.log'), `short\n${'y'.repeat(10_000)}\nafter\n`);
  await writeFile(join(dir, 'var_log/rotated.log.gz'), gzipSync(`${smallLines.join('\n')}\n`));
  await writeFile(join(dir, 'system/core.bin'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1, 2, 3]));
  store = new CountingStore(join(work, 'store'));
  const catalog = CompiledCatalog.load();
  await ingestBundle({ store, catalog, source: { kind: 'directory', path: dir }, node: 'big-node' });
  const sample = await writeSampleBundle(join(work, 'sample'));
  const s = await ingestBundle({ store, catalog, source: { kind: 'archive', path: sample.archive } });
  ref = await resolveBundle(store, 'big-node');
  other = await resolveBundle(store, s.node);
}, 120_000);
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const fail = async (p: Promise<unknown>) => {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ReadError);
  return (err as ReadError).message;
};

describe('readLines', () => {
  it('returns an inclusive 1-based line range with its byte range and a next hint', async () => {
    const r = await readLines(store, ref, 'var_log/small.log', { startLine: 2, endLine: 4 });
    expect(r.lines.map((l) => [l.line, l.text])).toEqual([[2, smallLines[1]], [3, smallLines[2]], [4, smallLines[3]]]);
    expect(r.startByte).toBe(smallLines[0]!.length + 1);
    expect(r.endByte).toBe(smallLines.slice(0, 4).join('\n').length + 1);
    expect(r.truncated).toBe(false);
    expect(r.next).toEqual({ line_start: 5 });
  });

  it('counts negative line numbers from the end (-1 is the last line)', async () => {
    const r = await readLines(store, ref, 'var_log/small.log', { startLine: -3, endLine: -1 });
    expect(r.lines.map((l) => l.line)).toEqual([8, 9, 10]);
    expect(r.lines[2]!.text).toBe(smallLines[9]);
    expect(r.next).toBeNull();
  });

  it('reads a line near the end of a 20 MB file without streaming from the start', async () => {
    const n = bigLines - 5;
    store.rangeBytes = 0;
    store.gets = 0;
    const r = await readLines(store, ref, 'var_log/big.log', { startLine: n, endLine: n + 2 });
    expect(r.lines.map((l) => l.text)).toEqual([bigLine(n), bigLine(n + 1), bigLine(n + 2)]);
    expect(store.gets).toBe(0);
    expect(store.rangeBytes).toBeLessThan(3 * 1024 * 1024); // one index stride plus the range, not 20 MB
  });

  it('stops at the byte cap, says the range was cut, and points at the next line', async () => {
    const r = await readLines(store, ref, 'var_log/big.log', { startLine: 1000, maxBytes: 4096 });
    expect(r.truncated).toBe(true);
    expect(r.returnedBytes).toBeLessThanOrEqual(4096);
    expect(r.next).toEqual({ line_start: 1000 + r.lines.length });
    expect(r.lines.at(-1)!.text).toBe(bigLine(999 + r.lines.length));
  });

  it('clamps a huge max_bytes to the 1 MiB cap instead of failing', async () => {
    const r = await readLines(store, ref, 'var_log/big.log', { startLine: 1, maxBytes: 1e12 });
    expect(r.maxBytes).toBe(READ_MAX_BYTES);
    expect(r.maxBytesClamped).toBe(true);
    expect(r.returnedBytes).toBeLessThanOrEqual(READ_MAX_BYTES);
  });

  it('cuts lines longer than 4096 characters and flags them', async () => {
    const r = await readLines(store, ref, 'var_log/long-line.log', {});
    expect(r.lines.map((l) => l.text.length)).toEqual([5, MAX_LINE_CHARS, 5]);
    expect(r.lines[1]!.cut).toBe(true);
    expect(r.linesCut).toBe(1);
  });

  it('reads a gzip-compressed rotated log by line', async () => {
    const r = await readLines(store, ref, 'var_log/rotated.log.gz', { startLine: -2 });
    expect(r.lines.map((l) => l.text)).toEqual(smallLines.slice(8));
    expect(r.notes.join(' ')).toMatch(/decompressed/);
  });

  it('refuses a line_start past the end of the file and says how many lines it has', async () => {
    expect(await fail(readLines(store, ref, 'var_log/small.log', { startLine: 11 }))).toMatch(/has 10 line/);
    expect(await fail(readLines(store, ref, 'var_log/small.log', { startLine: 0 }))).toMatch(/start at 1/);
  });
});

describe('readBytes', () => {
  it('moves the start back to its line start and cuts the end after the last whole line', async () => {
    const startOf = (i: number) => smallLines.slice(0, i).join('\n').length + (i > 0 ? 1 : 0);
    const r = await readBytes(store, ref, 'var_log/small.log', { start: startOf(2) + 5, length: 60 });
    expect(r.startByte).toBe(startOf(2));
    expect(r.lines[0]).toEqual({ line: 3, text: smallLines[2], cut: false });
    expect(r.endByte).toBe(startOf(2 + r.lines.length));
    expect(r.endByte - r.startByte).toBeLessThanOrEqual(60);
    expect(r.truncated).toBe(true);
    expect(r.next).toEqual({ byte_start: r.endByte, line_start: 3 + r.lines.length });
  });

  it('numbers lines near the end of a 20 MB file from the nearest index point', async () => {
    store.rangeBytes = 0;
    const size = ref.manifest.files.find((f) => f.path === 'var_log/big.log')!.size;
    const r = await readBytes(store, ref, 'var_log/big.log', { start: size - 1000, length: 4096 });
    expect(r.endByte).toBe(size);
    expect(r.next).toBeNull();
    expect(r.lines.at(-1)).toEqual({ line: bigLines, text: bigLine(bigLines), cut: false });
    expect(r.lines[0]!.text).toBe(bigLine(r.lines[0]!.line!));
    expect(store.rangeBytes).toBeLessThan(3 * 1024 * 1024);
  });

  it('refuses byte reads of gzip members and offsets past the end', async () => {
    expect(await fail(readBytes(store, ref, 'var_log/rotated.log.gz', { start: 0 }))).toMatch(/line_start/);
    expect(await fail(readBytes(store, ref, 'var_log/small.log', { start: 10_000 }))).toMatch(/byte_start must be below/);
  });
});

describe('path checks', () => {
  it('refuses an unknown path and lists similar ones', async () => {
    const msg = await fail(readLines(store, ref, 'var_log/smal.log', {}));
    expect(msg).toMatch(/has no file "var_log\/smal\.log"/);
    expect(msg).toMatch(/similar paths: var_log\/small\.log, /);
  });

  it('refuses ../ and absolute paths before touching the store', async () => {
    expect(await fail(readLines(store, ref, '../../etc/passwd', {}))).toMatch(/"\.\." and absolute paths are not allowed/);
    expect(await fail(readLines(store, ref, 'var_log/../var_log/small.log', {}))).toMatch(/refused/);
    expect(await fail(readBytes(store, ref, '/etc/passwd', { start: 0 }))).toMatch(/refused/);
  });

  it("refuses another bundle's file, by store key or by its path", async () => {
    const key = other.keys.file('kubelet/kubelet.log');
    expect(await fail(readLines(store, ref, key, {}))).toMatch(/store key/);
    expect(await fail(readLines(store, ref, 'kubelet/kubelet.log', {}))).toMatch(/has no file/);
    const own = await readLines(store, other, 'kubelet/kubelet.log', { startLine: 1, endLine: 1 });
    expect(own.lines).toHaveLength(1);
  });

  it('refuses a binary file with a clear message', async () => {
    expect(await fail(readLines(store, ref, 'system/core.bin', {}))).toMatch(/binary file/);
    expect(await fail(readBytes(store, ref, 'system/core.bin', { start: 0 }))).toMatch(/binary file/);
  });
});
