import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE, writeSampleBundle } from '../fixtures/sample-bundle.js';

// Drives the built CLI as a user would (scripts/test.sh builds dist/ before the tests run).
const root = resolve(import.meta.dirname, '../..');
const cli = join(root, 'dist/cli/main.js');
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: root, env: { ...process.env, EKS_NLM_LOG_LEVEL: 'info' } });

let work: string;
let archive: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'cli-e2e-'));
  archive = (await writeSampleBundle(work)).archive;
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('eks-node-log-mcp analyze', () => {
  it('--json prints exactly one JSON document on stdout, with the true problem first', () => {
    const r = run('analyze', archive, '--json');
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      bundleId: string; node: string; summary: Record<string, number>;
      coverage: { bytesScanned: number; bytesTotal: number; filesScanned: number; filesSkipped: number };
      findings: { id: string; code: string; severity: string; count: number; firstSeen: string; sources: unknown[]; samples: unknown[] }[];
    };
    expect(doc.node).toBe(SAMPLE.instanceId);
    expect(doc.findings[0]).toMatchObject({ id: 'F-001', code: 'IPAMDNoIPs', severity: 'critical' });
    expect(doc.findings[0]!.firstSeen).toBe('2024-03-14T08:40:02.002Z');
    expect(doc.findings.map((f) => f.id)).toEqual(doc.findings.map((_, i) => `F-${String(i + 1).padStart(3, '0')}`));
    expect(doc.coverage.bytesScanned).toBe(doc.coverage.bytesTotal);
    expect(Object.values(doc.summary).reduce((a, b) => a + b, 0)).toBe(doc.findings.length);
    // the PLEG event lines and the search-domain NXDOMAINs of a healthy node are not problems
    expect(doc.findings.filter((f) => f.code === 'PLEGNotHealthy')).toEqual([]);
    expect(doc.findings.filter((f) => f.code.startsWith('DnsNxdomain') && f.severity !== 'info')).toEqual([]);
    expect(r.stderr).toContain('Ingested bundle');
  });

  it('prints a readable table without --json', () => {
    const r = run('analyze', archive);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^F-001\s+CRIT\s+\d+\s+2024-03-14T08:40:02\s+IPAMDNoIPs/m);
  });

  it('import keeps the bundle in the named store', async () => {
    const store = join(work, 'store');
    const r = run('import', archive, '--store', store);
    expect(r.status).toBe(0);
    const ids = await readdir(join(store, 'bundles', SAMPLE.instanceId));
    expect(ids).toHaveLength(1);
    expect((await readdir(join(store, 'bundles', SAMPLE.instanceId, ids[0]!))).sort()).toEqual(
      ['bundle.tar.gz', 'events.jsonl.gz', 'files', 'findings.json', 'line-index.json', 'manifest.json'],
    );
  });

  it('a missing file is a clear error with exit code 2', () => {
    const r = run('analyze', join(work, 'nope.tar.gz'), '--json');
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/does not exist/);
  });

  it('a corrupt archive exits 3 and says what was kept', async () => {
    const bad = join(work, 'bad.tar.gz');
    const { readFile } = await import('node:fs/promises');
    const bytes = await readFile(archive);
    await writeFile(bad, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const r = run('analyze', bad);
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/archive is corrupt.*partial bundle/);
  });
});
