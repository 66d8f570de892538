import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localCollectorDep } from '../../cli/commands/collect-command.js';
import { collectLocal, type LocalCollectResult } from '../../collector/local-collect.js';
import { localNodeName } from '../../collector/window.js';
import type { Manifest } from '../../core/bundle/manifest.js';
import type { FindingsIndex } from '../../core/findings/finding.js';
import { runNodeChecks } from '../../core/node-state/run-checks.js';
import { resolveBundle } from '../../core/query/bundle-ref.js';
import { checkExpectedFiles } from '../../core/query/expected-files.js';
import { CompiledCatalog } from '../../core/rules/compiled-catalog.js';
import { bundleKeys } from '../../core/store/bundle-store.js';
import { FsBundleStore } from '../../core/store/fs-store.js';
import { collectTool } from '../../mcp-server/tools/collect.js';

// Real collection of THIS machine (issue 5): host root /, every category, a short window. What exists
// here differs from an EKS node (no kubelet, no iptables): the manifest must say so, and ingest,
// findings and the node-state checks must still work on what came.
const root = resolve(import.meta.dirname, '../..');
const cli = join(root, 'dist/cli/main.js');
const log = pino({ level: 'silent' });
let work: string;
let store: FsBundleStore;
let r: LocalCollectResult;
let manifest: Manifest;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'collect-local-'));
  store = new FsBundleStore(join(work, 'store'));
  r = await collectLocal({ store, catalog: CompiledCatalog.load(), log, categories: ['All'], sinceMs: 10 * 60_000, tmpDir: work });
  manifest = JSON.parse((await store.getBuffer(bundleKeys(r.node, r.bundleId).manifest)).toString()) as Manifest;
});
afterAll(() => rm(work, { recursive: true, force: true }));

describe('collect this machine in local mode', () => {
  it('files the bundle under the sanitised hostname, collected as root', () => {
    expect(r.node).toBe(localNodeName(hostname()));
    expect(r.privileged).toBe(true);
    expect(r.stoppedEarly).toBeNull();
  });

  it('has the eks-log-collector.sh layout for what this host has', () => {
    const paths = manifest.files.map((f) => f.path);
    for (const p of ['collector-manifest.json', 'kernel/dmesg.current', 'kernel/uname.txt', 'networking/iproute.txt', 'networking/iprule.txt', 'networking/ipaddr.txt',
      'networking/resolv.conf', 'sysctls/sysctl_all.txt', 'storage/mounts.txt', 'storage/inodes.txt', 'system/ps.txt', 'system/os-release.txt', 'system/meminfo.txt']) {
      expect(paths, p).toContain(p);
    }
    expect(paths.every((p) => !p.startsWith('/') && !p.includes('..'))).toBe(true);
  });

  it('the manifest lists what was missing on this host, with reasons, and the redactions', () => {
    const failures = new Map(manifest.collectionFailures.map((f) => [f.source, f.reason]));
    // no iptables and no aws-node here: recorded, not fatal
    expect(failures.get('iptables-save')).toMatch(/^missing: command not found/);
    expect(failures.get('ipamd-enis')).toMatch(/^missing: nothing listens at http:\/\/localhost:61679/);
    expect(failures.get('aws-routed-eni-logs')).toMatch(/^missing: .*does not exist/);
    expect(manifest.method).toBe('local');
    expect(manifest.categories).toEqual(['Base', 'Device', 'Networking', 'Runtime', 'System']);
    expect(r.notCollected.length).toBe(manifest.collectionFailures.length);
    expect(r.sources.ok).toBeGreaterThan(20);
  });

  it('ingest produced a findings index and the analysis reads the bundle', async () => {
    const findings = JSON.parse((await store.getBuffer(bundleKeys(r.node, r.bundleId).findings)).toString()) as FindingsIndex;
    expect(findings.bundleId).toBe(r.bundleId);
    expect(findings.coverage.bytesScanned).toBe(findings.coverage.bytesTotal);
    const ref = await resolveBundle(store, r.node, r.bundleId);
    const checks = await runNodeChecks(store, ref, { area: 'storage' });
    // the storage checks parse our storage/mounts.txt and storage/inodes.txt: they ran, not "missing"
    expect(checks.checked.filter((c) => c.status !== 'not-checked').length).toBeGreaterThan(0);
    const expected = checkExpectedFiles(manifest);
    expect(expected.find((e) => e.path === 'sysctls/sysctl_all.txt')?.state).toBe('present');
    expect(expected.find((e) => e.path === 'storage/mounts.txt')?.state).toBe('present');
  });

  it('the MCP collect tool with node local collects through the same path', async () => {
    const deps = { store, catalog: CompiledCatalog.load(), now: Date.now, log, sopsDir: join(root, 'sops'), localCollector: localCollectorDep(store, CompiledCatalog.load(), log) };
    const out = await collectTool.handler({ node: 'local', categories: ['Base'], since: '5m' }, deps);
    expect(out).toMatchObject({ node: r.node, phase: 'Completed' });
    const m = JSON.parse((await store.getBuffer(bundleKeys(out.node, out.collectionId).manifest)).toString()) as Manifest;
    expect(m.categories).toEqual(['Base']);
  });
});

describe('eks-node-log-mcp collect (built CLI)', () => {
  // scripts/test.sh builds dist/ before the tests run, as for the other CLI tests
  const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: root, env: { ...process.env, EKS_NLM_LOG_LEVEL: 'warn' }, timeout: 170_000 });

  it('--json prints one JSON document naming the bundle, and `analyze` reads the stored archive end to end', () => {
    const storeDir = join(work, 'cli-store');
    const c = run('collect', '--json', '--since', '10m', '--store', storeDir, '--categories', 'Base,Networking,System');
    expect(c.status, c.stderr).toBe(0);
    const doc = JSON.parse(c.stdout) as LocalCollectResult & { store: string };
    expect(doc.node).toBe(localNodeName(hostname()));
    expect(doc.sources.ok).toBeGreaterThan(10);
    expect(c.stderr).toContain(`stored as ${doc.node}/${doc.bundleId}`);
    const a = run('analyze', join(storeDir, 'bundles', doc.node, doc.bundleId, 'bundle.tar.gz'), '--json');
    expect(a.status, a.stderr).toBe(0);
    const analysed = JSON.parse(a.stdout) as { coverage: { filesScanned: number }; summary: Record<string, number> };
    expect(analysed.coverage.filesScanned).toBe(doc.files);
  });

  it('without root it still produces a bundle, and says which sources the host refused', async () => {
    const { chmod } = await import('node:fs/promises');
    const open = await mkdtemp(join(tmpdir(), 'collect-nobody-'));
    await chmod(open, 0o777);
    try {
      // setpriv drops to nobody for the CLI only: the collector itself must notice and degrade
      const c = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, cli, 'collect', '--json', '--since', '10m', '--categories', 'Base', '--store', join(open, 'store')],
        { encoding: 'utf8', cwd: root, env: { ...process.env, TMPDIR: open, EKS_NLM_LOG_LEVEL: 'warn' }, timeout: 170_000 });
      expect(c.status, c.stderr).toBe(0);
      const doc = JSON.parse(c.stdout) as LocalCollectResult;
      expect(doc.privileged).toBe(false);
      // dmesg needs CAP_SYSLOG here (kernel.dmesg_restrict): recorded as refused, not fatal
      expect(doc.permissionDenied).toContain('dmesg-current');
      expect(c.stderr).toMatch(/warning: not running as root: .*refused here: .*dmesg-current/);
    } finally {
      await rm(open, { recursive: true, force: true });
    }
  });

  it.each([['--since', 'yesterday'], ['--categories', 'Base,Everything']])('refuses %s %s with a usage error', (flag, value) => {
    const c = run('collect', flag, value, '--store', join(work, 'never'));
    expect(c.status).toBe(2);
    expect(c.stderr).toMatch(/^error: /);
  });
});
