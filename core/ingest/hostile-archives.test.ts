import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawTar, rawTarGz, type RawEntry } from '../../test/helpers/raw-tar.js';
import { CompiledCatalog } from '../rules/compiled-catalog.js';
import { FsBundleStore } from '../store/fs-store.js';
import { bundleKeys } from '../store/bundle-store.js';
import { ingestBundle, PartialIngestError } from './ingest-bundle.js';
import { IngestError } from './limits.js';

const catalog = CompiledCatalog.load();
let work: string;
let n = 0;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'hostile-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Ingests bytes as an archive inside a sandbox dir, so "nothing outside the store" can be checked. */
async function ingestBytes(bytes: Buffer, limits = {}) {
  const sandbox = join(work, `case-${n++}`);
  await mkdir(join(sandbox, 'store'), { recursive: true });
  const archive = join(sandbox, 'input.tar.gz');
  await writeFile(archive, bytes);
  const store = new FsBundleStore(join(sandbox, 'store'));
  const run = ingestBundle({ store, catalog, node: 'n1', source: { kind: 'archive', path: archive }, limits });
  return { run, sandbox, store };
}

const outsideStore = async (sandbox: string) => (await readdir(sandbox)).filter((f) => f !== 'store' && f !== 'input.tar.gz');
const ok: RawEntry = { path: 'kubelet/kubelet.log', body: 'Mar 14 08:00:00 h kubelet[1]: I0314 08:00:00.000000 1 x.go:1] "ok"\n' };

describe('hostile archives', () => {
  it('when an entry path has "..", ingest skips it and records path-traversal', async () => {
    const { run, sandbox } = await ingestBytes(rawTarGz([ok, { path: '../../evil.txt', body: 'pwned' }, { path: 'a/../../evil2', body: 'x' }]));
    const r = await run;
    expect(r.manifest.skipped).toEqual(expect.arrayContaining([
      expect.objectContaining({ path: '../../evil.txt', reason: 'path-traversal' }),
      expect.objectContaining({ path: 'a/../../evil2', reason: 'path-traversal' }),
    ]));
    expect(await outsideStore(sandbox)).toEqual([]);
    expect(r.manifest.files.map((f) => f.path)).toEqual(['kubelet/kubelet.log']);
  });

  it('when an entry path is absolute, ingest skips it and records absolute-path', async () => {
    const r = await (await ingestBytes(rawTarGz([ok, { path: '/etc/cron.d/evil', body: 'x' }]))).run;
    expect(r.manifest.skipped).toContainEqual(expect.objectContaining({ path: '/etc/cron.d/evil', reason: 'absolute-path' }));
  });

  it('symlinks and hardlinks are recorded as skipped, never followed or created', async () => {
    const r = await (await ingestBytes(rawTarGz([
      ok,
      { path: 'kubelet/link', type: 'SymbolicLink', linkpath: '/etc/shadow' },
      { path: 'kubelet/hard', type: 'Link', linkpath: 'kubelet/kubelet.log' },
    ]))).run;
    expect(r.manifest.skipped).toEqual(expect.arrayContaining([
      expect.objectContaining({ path: 'kubelet/link', reason: 'symlink' }),
      expect.objectContaining({ path: 'kubelet/hard', reason: 'hardlink' }),
    ]));
  });

  it('device files and FIFOs are recorded as skipped', async () => {
    const r = await (await ingestBytes(rawTarGz([ok, { path: 'dev/null', type: 'CharacterDevice' }, { path: 'dev/fifo', type: 'FIFO' }]))).run;
    expect(r.manifest.skipped.filter((s) => s.reason === 'device-or-special').map((s) => s.path).sort()).toEqual(['dev/fifo', 'dev/null']);
  });

  it('a truncated gzip gives a clear error and keeps what was read as a partial bundle', async () => {
    const big = 'Mar 14 08:00:00 h kernel: [1.0] ok line\n'.repeat(20_000);
    const gz = rawTarGz([ok, { path: 'var_log/messages', body: big }]);
    const { run, store } = await ingestBytes(gz.subarray(0, Math.floor(gz.length * 0.6)));
    const err = await run.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PartialIngestError);
    expect((err as Error).message).toMatch(/archive is corrupt: .*unexpected end of file.*partial bundle/);
    const r = (err as PartialIngestError).result;
    expect(r.manifest.status).toBe('partial');
    expect(r.manifest.files.map((f) => f.path)).toContain('kubelet/kubelet.log');
    expect(await store.head(bundleKeys(r.node, r.bundleId).archive)).toBeDefined();
  });

  it('corrupt gzip data gives an IngestError, not a crash', async () => {
    const gz = rawTarGz([ok, { path: 'var_log/messages', body: 'x\n'.repeat(50_000) }]);
    for (let i = 40; i < gz.length - 20; i += 7) gz[i] = gz[i]! ^ 0x5a;
    const err = await (await ingestBytes(gz)).run.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IngestError);
    expect((err as Error).message).toMatch(/archive is corrupt/);
  });

  it('a tar bomb (expansion ratio past the cap) is refused early with a tar-bomb error', async () => {
    const zeros = Buffer.alloc(64 * 1024 * 1024, 0x41);
    const gz = gzipSync(rawTar([{ path: 'var_log/bomb.log', body: zeros }]));
    expect(zeros.length / gz.length).toBeGreaterThan(500);
    const err = await (await ingestBytes(gz, { maxExpansionRatio: 200, ratioGraceBytes: 8 * 1024 * 1024 })).run.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IngestError);
    expect((err as IngestError).kind).toBe('tar-bomb');
    expect((err as Error).message).toMatch(/expands more than 200x/);
  });

  it('past the entry cap, further entries are skipped with entry-limit', async () => {
    const entries = Array.from({ length: 20 }, (_, i) => ({ path: `var_log/f${i}.log`, body: `line ${i}\n` }));
    const r = await (await ingestBytes(rawTarGz(entries), { maxEntries: 10 })).run;
    expect(r.manifest.files).toHaveLength(10);
    expect(r.manifest.skipped.filter((s) => s.reason === 'entry-limit')).toHaveLength(10);
  });

  it('a duplicate entry keeps the first copy and records the second', async () => {
    const r = await (await ingestBytes(rawTarGz([ok, { path: 'kubelet/kubelet.log', body: 'second\n' }]))).run;
    expect(r.manifest.files).toHaveLength(1);
    expect(r.manifest.files[0]!.size).toBe(Buffer.byteLength(ok.body as string));
    expect(r.manifest.skipped).toContainEqual(expect.objectContaining({ path: 'kubelet/kubelet.log', reason: 'duplicate-entry' }));
  });

  it('an empty file (0 bytes) is refused with a clear error', async () => {
    const err = await (await ingestBytes(Buffer.alloc(0))).run.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IngestError);
    expect((err as Error).message).toMatch(/empty/);
  });

  it('an archive with no files is refused with a clear error', async () => {
    const err = await (await ingestBytes(gzipSync(Buffer.alloc(1024)))).run.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IngestError);
    expect((err as Error).message).toMatch(/holds no files/);
  });

  it('a zip or xz file is refused as unsupported compression', async () => {
    const err = await (await ingestBytes(Buffer.from('PK\u0003\u0004rest-of-zip'))).run.catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/unsupported archive compression/);
  });

  it('binary files are stored but not scanned, and counted as binary', async () => {
    const bin = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 0]), Buffer.from(' kernel BUG at mm/slub.c:1234! ')]);
    const r = await (await ingestBytes(rawTarGz([ok, { path: 'system/core.bin', body: bin }]))).run;
    const f = r.manifest.files.find((x) => x.path === 'system/core.bin')!;
    expect(f.kind).toBe('binary');
    expect(r.findings.coverage.binaryFiles).toBe(1);
    expect(r.findings.findings.every((x) => x.sources.every((s) => s.path !== 'system/core.bin'))).toBe(true);
  });

  it('non-UTF-8 text is still scanned and its findings reported', async () => {
    const latin1 = Buffer.concat([
      Buffer.from('[Thu Mar 14 08:01:00 2024] caf\xe9 ', 'latin1'),
      Buffer.from('watchdog: BUG: soft lockup - CPU#2 stuck for 23s! [java:4242]\n'),
    ]);
    const r = await (await ingestBytes(rawTarGz([{ path: 'kernel/dmesg.human.current', body: latin1 }]))).run;
    expect(r.findings.findings.map((f) => f.code)).toContain('SoftLockup');
  });

  it('a gzipped rotated log inside the bundle is scanned through gunzip, line numbers of its text', async () => {
    const rotated = gzipSync(Buffer.from('[Thu Mar 14 07:00:00 2024] ok\n[Thu Mar 14 07:00:01 2024] watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [x:1]\n'));
    const r = await (await ingestBytes(rawTarGz([{ path: 'var_log/messages-20240313.gz', body: rotated }]))).run;
    const f = r.manifest.files[0]!;
    expect(f.kind).toBe('gzip-text');
    expect(f.size).toBe(rotated.length);
    expect(f.lines).toBe(2);
    expect(r.findings.coverage.bytesScanned).toBe(f.uncompressedSize);
    const lockup = r.findings.findings.find((x) => x.code === 'SoftLockup')!;
    expect(lockup.sources).toEqual([{ path: 'var_log/messages-20240313.gz', count: 1, firstLine: 2, lastLine: 2 }]);
  });

  it('a line longer than the line cap is scanned in fragments: a problem at its end is still found', async () => {
    const long = Buffer.concat([Buffer.alloc(5 * 1024 * 1024, 0x61), Buffer.from(' watchdog: BUG: soft lockup - CPU#1 stuck for 30s! [x:1]\n')]);
    const r = await (await ingestBytes(rawTarGz([{ path: 'kernel/dmesg.current', body: long }]))).run;
    const f = r.manifest.files[0]!;
    expect(f.overlongLines).toBe(1);
    expect(f.lines).toBe(1);
    expect(r.findings.findings.map((x) => x.code)).toContain('SoftLockup');
  });

  it('property: any archive of hostile names writes nothing outside the store and accounts for every entry', async () => {
    const name = fc.oneof(
      fc.constantFrom('../x', '/abs', 'a/../../b', 'ok/file.log', 'C:/win', 'a\\b', 'dup', 'dup', './dot/ok', 'nul\u0000x', 'ctl\u0001'),
      fc.stringMatching(/^[a-z./]{1,20}$/),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ path: name, type: fc.constantFrom('File', 'SymbolicLink', 'Link', 'Directory') }), { minLength: 1, maxLength: 12 }), async (specs) => {
        const entries: RawEntry[] = [ok, ...specs.map((s) => ({ path: s.path, type: s.type as RawEntry['type'], body: s.type === 'File' ? 'x\n' : undefined, linkpath: s.type === 'File' || s.type === 'Directory' ? undefined : '../../etc' }))];
        const { run, sandbox } = await ingestBytes(rawTarGz(entries));
        const r = await run;
        expect(await outsideStore(sandbox)).toEqual([]);
        for (const f of r.manifest.files) expect(f.path.split('/')).not.toContain('..');
        // every link and every file entry (tar reads a file path ending in "/" as a directory) is accounted for
        const accounted = r.manifest.files.length + r.manifest.skipped.length;
        const expected = entries.filter((e) => (e.type ?? 'File') !== 'Directory' && !((e.type ?? 'File') === 'File' && e.path.endsWith('/'))).length;
        expect(accounted).toBe(expected);
      }),
      { numRuns: 40 },
    );
  });
});
