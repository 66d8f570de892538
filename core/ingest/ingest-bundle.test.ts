import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSampleBundle, SAMPLE } from '../../test/fixtures/sample-bundle.js';
import { CompiledCatalog } from '../rules/compiled-catalog.js';
import { FsBundleStore } from '../store/fs-store.js';
import { bundleKeys } from '../store/bundle-store.js';
import { ingestBundle } from './ingest-bundle.js';
import { createHash } from 'node:crypto';

const catalog = CompiledCatalog.load();
let work: string;
let sample: { archive: string; dir: string };

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'ingest-test-'));
  sample = await writeSampleBundle(work);
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const freshStore = async () => new FsBundleStore(await mkdtemp(join(work, 'store-')));

describe('ingest of an eks-log-collector.sh archive', () => {
  it('names the bundle after the instance and collection time from the archive name', async () => {
    const store = await freshStore();
    const r = await ingestBundle({ store, catalog, source: { kind: 'archive', path: sample.archive } });
    expect(r.node).toBe(SAMPLE.instanceId);
    expect(r.bundleId).toMatch(/^20240314T091200Z-[0-9a-f]{10}$/);
    expect(r.manifest.collectedAt).toBe(SAMPLE.collectedAt);
    expect(r.manifest.collector).toEqual({ name: 'eks-log-collector.sh', version: '0.7.8' });
    expect(r.manifest.region).toBe('us-east-1');
  });

  it('stores every file with its size, sha256, line count and real first/last timestamps', async () => {
    const store = await freshStore();
    const r = await ingestBundle({ store, catalog, source: { kind: 'archive', path: sample.archive } });
    const keys = bundleKeys(r.node, r.bundleId);
    const kub = r.manifest.files.find((f) => f.path === 'kubelet/kubelet.log')!;
    const raw = await readFile(join(sample.dir, 'kubelet/kubelet.log'));
    expect(kub.size).toBe(raw.length);
    expect(kub.sha256).toBe(createHash('sha256').update(raw).digest('hex'));
    expect(kub.lines).toBe(raw.toString().split('\n').length - 1);
    expect(kub.firstTimestamp).toBe('2024-03-14T08:00:00.000Z');
    expect(kub.lastTimestamp?.startsWith('2024-03-14T09:1')).toBe(true);
    expect((await store.getBuffer(keys.file('kubelet/kubelet.log'))).equals(raw)).toBe(true);
    expect(await store.head(keys.archive)).toBeDefined();
  });

  it('scans every byte of every text file (coverage 1.0)', async () => {
    const store = await freshStore();
    const r = await ingestBundle({ store, catalog, source: { kind: 'archive', path: sample.archive } });
    expect(r.findings.coverage.bytesTotal).toBeGreaterThan(0);
    expect(r.findings.coverage.bytesScanned).toBe(r.findings.coverage.bytesTotal);
    expect(r.findings.coverage.filesSkipped).toBe(0);
  });

  it('gives byte-identical findings when the same archive is ingested twice', async () => {
    const s1 = await freshStore();
    const s2 = await freshStore();
    const a = await ingestBundle({ store: s1, catalog, source: { kind: 'archive', path: sample.archive }, now: () => 1 });
    const b = await ingestBundle({ store: s2, catalog, source: { kind: 'archive', path: sample.archive }, now: () => 2 });
    expect(b.bundleId).toBe(a.bundleId);
    const fa = await s1.getBuffer(bundleKeys(a.node, a.bundleId).findings);
    const fb = await s2.getBuffer(bundleKeys(b.node, b.bundleId).findings);
    expect(fb.equals(fa)).toBe(true);
  });

  it('gives the same findings for the unpacked directory as for the archive', async () => {
    const a = await ingestBundle({ store: await freshStore(), catalog, source: { kind: 'archive', path: sample.archive } });
    const d = await ingestBundle({ store: await freshStore(), catalog, source: { kind: 'directory', path: sample.dir }, node: a.node });
    const strip = (x: typeof a) => x.findings.findings.map(({ id, code, count, firstSeen, sources }) => ({ id, code, count, firstSeen, sources }));
    expect(strip(d)).toEqual(strip(a));
  });

  it('scanning in the worker thread gives byte-identical findings to scanning inline', async () => {
    const s1 = await freshStore();
    const s2 = await freshStore();
    const a = await ingestBundle({ store: s1, catalog, source: { kind: 'archive', path: sample.archive } });
    const b = await ingestBundle({ store: s2, catalog, source: { kind: 'archive', path: sample.archive }, scanInWorker: true });
    const fa = await s1.getBuffer(bundleKeys(a.node, a.bundleId).findings);
    const fb = await s2.getBuffer(bundleKeys(b.node, b.bundleId).findings);
    expect(a.findings.findings.length).toBeGreaterThan(3);
    expect(fb.equals(fa)).toBe(true);
  });

  it('writes timestamped matched lines to events.jsonl.gz, each tied to a finding id', async () => {
    const store = await freshStore();
    const r = await ingestBundle({ store, catalog, source: { kind: 'archive', path: sample.archive } });
    const lines = gunzipSync(await store.getBuffer(bundleKeys(r.node, r.bundleId).events)).toString().split('\n').filter(Boolean);
    const events = lines.map((l) => JSON.parse(l) as { t: string | null; finding: string; path: string; line: number });
    const ids = new Set(r.findings.findings.map((f) => f.id));
    expect(events.length).toBeGreaterThan(10);
    expect(events.length).toBe(r.findings.findings.reduce((n, f) => n + f.occurrences, 0));
    for (const e of events) expect(ids.has(e.finding)).toBe(true);
    expect(events.filter((e) => e.t !== null).length).toBeGreaterThan(events.length * 0.9);
  });

  it('strips a single eks_i-… top folder (the SSM Automation layout)', async () => {
    const dir = join(work, 'top');
    await rm(dir, { recursive: true, force: true });
    const { create } = await import('tar');
    const { cp, mkdir } = await import('node:fs/promises');
    const top = 'eks_i-0a1b2c3d4e5f60718_2024-03-14_0912-UTC_0.7.8';
    await mkdir(dir, { recursive: true });
    await cp(sample.dir, join(dir, top), { recursive: true });
    const archive = join(work, 'with-top.tar.gz');
    await create({ gzip: true, file: archive, cwd: dir, portable: true }, [top]);
    const r = await ingestBundle({ store: await freshStore(), catalog, source: { kind: 'archive', path: archive } });
    expect(r.manifest.files.map((f) => f.path)).toContain('kubelet/kubelet.log');
    expect(r.node).toBe(SAMPLE.instanceId);
    expect(r.manifest.collectedAt).toBe(SAMPLE.collectedAt);
  });
});

describe('line index', () => {
  it('records a [line, offset] pair about every 256 KiB so read can seek into large files', async () => {
    const dir = join(work, 'big');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(dir, 'var_log'), { recursive: true });
    const line = 'Mar 14 08:00:00 host app[1]: ' + 'x'.repeat(70) + '\n'; // 100 bytes
    await writeFile(join(dir, 'var_log', 'messages'), line.repeat(50_000)); // 5 MB
    const store = await freshStore();
    const r = await ingestBundle({ store, catalog, source: { kind: 'directory', path: dir }, node: 'n1' });
    const idx = JSON.parse((await store.getBuffer(bundleKeys(r.node, r.bundleId).lineIndex)).toString()) as Record<string, [number, number][]>;
    const pairs = idx['var_log/messages']!;
    expect(pairs.length).toBeGreaterThanOrEqual(19); // 5 MB / 256 KiB
    for (const [ln, off] of pairs) expect(off).toBe((ln - 1) * 100);
    expect((await readdir(store.root)).length).toBe(1);
  });
});
