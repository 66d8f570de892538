import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../core/bundle/manifest.js';
import { CompiledCatalog } from '../core/rules/compiled-catalog.js';
import { bundleKeys } from '../core/store/bundle-store.js';
import { FsBundleStore } from '../core/store/fs-store.js';
import { buildFakeHostRoot, SEEDED_SECRETS } from '../test/fixtures/fake-host-root.js';
import { collectLocal, type LocalCollectResult } from './local-collect.js';
import { loadSources } from './sources.js';

let dir: string;
let store: FsBundleStore;
let r: LocalCollectResult;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'local-collect-'));
  const root = await buildFakeHostRoot(dir);
  store = new FsBundleStore(join(dir, 'store'));
  r = await collectLocal({
    store, catalog: CompiledCatalog.load(), log: pino({ level: 'silent' }), sinceMs: 3600_000, hostRoot: root, node: 'fake-node', tmpDir: dir,
    // file rows only: what the fake root holds (commands would describe this machine, not it)
    tuning: { sources: loadSources().filter((s) => s.kind === 'file'), minFreeBytes: 1 },
  });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('collectLocal', () => {
  it('ingests the collected archive into the store under the node name, with findings from the host logs', async () => {
    expect(r.node).toBe('fake-node');
    expect(r.files).toBeGreaterThan(10);
    // the fake root's messages hold a PLEG line and ipamd.log a subnet exhaustion: the rules must see them
    expect(r.findings.critical + r.findings.high).toBeGreaterThan(0);
    const findings = JSON.parse((await store.getBuffer(bundleKeys(r.node, r.bundleId).findings)).toString()) as { findings: { code: string }[] };
    expect(findings.findings.map((f) => f.code)).toEqual(expect.arrayContaining(['PLEGNotHealthy']));
  });

  it("completes the stored manifest with the collector's account: method, categories, window, failures, redactions", async () => {
    const m = JSON.parse((await store.getBuffer(bundleKeys(r.node, r.bundleId).manifest)).toString()) as Manifest;
    expect(m.method).toBe('local');
    expect(m.collector.name).toBe('eks-node-log-mcp');
    expect(m.categories).toEqual(['Base', 'Device', 'Networking', 'Runtime', 'System']);
    expect(m.window?.since).toBeTruthy();
    expect(m.collectionFailures.some((f) => f.source === 'aws-routed-eni-logs' && f.reason.includes('climbs above HOST_ROOT'))).toBe(true);
    expect(m.redactions).toEqual(expect.arrayContaining([{ path: 'kubelet/kubeconfig.yaml', count: 3 }]));
    expect(r.redactions).toBeGreaterThanOrEqual(11);
    expect(r.notCollected.length).toBe(m.collectionFailures.length);
  });

  it('no seeded secret reaches the store: not the raw archive (gunzipped), not the extracted files', async () => {
    const leaks: string[] = [];
    for await (const o of store.list('bundles/')) {
      let b = await store.getBuffer(o.key);
      if (o.key.endsWith('.gz')) b = gunzipSync(b);
      for (const [name, s] of Object.entries(SEEDED_SECRETS)) if (b.includes(s)) leaks.push(`${name} in ${o.key}`);
    }
    expect(leaks).toEqual([]);
  });

  it('removes its temporary staging tree and archive', async () => {
    const { readdir } = await import('node:fs/promises');
    expect((await readdir(dir)).filter((n) => n.startsWith('eks-nlm-collect-'))).toEqual([]);
  });
});
