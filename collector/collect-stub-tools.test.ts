import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NFinding } from '../core/node-state/finding.js';
import { type NodeChecksResult, runNodeChecks } from '../core/node-state/run-checks.js';
import { resolveBundle } from '../core/query/bundle-ref.js';
import { CompiledCatalog } from '../core/rules/compiled-catalog.js';
import { bundleKeys } from '../core/store/bundle-store.js';
import { FsBundleStore } from '../core/store/fs-store.js';
import { buildFakeHostRoot } from '../test/fixtures/fake-host-root.js';
import * as O from '../test/fixtures/stub-tool-outputs.js';
import { buildStubTools, STUB_TOOLS, type StubTools } from '../test/fixtures/stub-tools.js';
import { collectLocal, type LocalCollectResult } from './local-collect.js';
import type { CollectorManifest } from './manifest.js';
import { type CommandSourceSpec, loadSources, selectSources } from './sources.js';

// The real source table, every category, against the fake AL2023 node: its files under HOST_ROOT
// and its tools as stubs found first through collectNode's toolPath. This machine has no iptables,
// conntrack, ethtool, xfs_info or ctr, so without the stubs none of these rows would ever produce output.
let dir: string;
let stubs: StubTools;
let store: FsBundleStore;
let r: LocalCollectResult;
let cm: CollectorManifest;
const node = 'fake-node';
const text = async (path: string) => (await store.getBuffer(bundleKeys(node, r.bundleId).file(path))).toString('utf8');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'collect-stubs-'));
  const hostRoot = await buildFakeHostRoot(dir);
  stubs = await buildStubTools(join(dir, 'tools'));
  store = new FsBundleStore(join(dir, 'store'));
  r = await collectLocal({
    store, catalog: CompiledCatalog.load(), log: pino({ level: 'silent' }), sinceMs: 3600_000, hostRoot, node, tmpDir: dir, categories: ['All'],
    tuning: { toolPath: [stubs.bin], imdsBaseUrl: 'http://127.0.0.1:1', minFreeBytes: 1, commandTimeoutMs: 20_000 },
  });
  cm = JSON.parse(await text('collector-manifest.json')) as CollectorManifest;
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** The rows of the table (as selected for AL2023) whose program is a stub, with the argv each must run. */
function stubbedRows(): { id: string; output: string; argv: string[] }[] {
  const since = `@${Math.floor(Date.parse(cm.window.since) / 1000)}`;
  const until = `@${Math.ceil(Date.parse(cm.window.until) / 1000)}`;
  const rows: { id: string; output: string; argv: string[] }[] = [];
  for (const s of selectSources(loadSources(), cm.categories, 'al2023')) {
    // dmesg-boot: the fake root has no /var/log/dmesg, so its orCommand runs
    const c: Pick<CommandSourceSpec, 'argv' | 'output' | 'journal' | 'perInterface'> | undefined =
      s.kind === 'command' ? s : s.kind === 'file' && s.orCommand ? { argv: s.orCommand, output: s.output! } : undefined;
    if (!c || !(c.argv[0]! in STUB_TOOLS)) continue;
    const sub = (a: string) => (c.perInterface ? a.replaceAll('{iface}', 'eth0') : a);
    rows.push({ id: s.id, output: sub(c.output), argv: [...c.argv.map(sub), ...(c.journal ? ['--since', since, '--until', until] : [])] });
  }
  return rows;
}

describe('command rows against stub tools (toolPath)', () => {
  it('every stubbed row is ok and wrote its eks-log-collector.sh path from sources.yaml', () => {
    const rows = stubbedRows();
    // iptables/ip6tables save and -nvL, nft, ipvsadm, ipset, conntrack, ethtool, xfs_info, containerd/ctr, journals
    expect(rows.map((x) => x.id).sort()).toEqual([
      'boot-list', 'conntrack-list', 'conntrack-stats', 'conntrack6-list', 'containerd-containers', 'containerd-images', 'containerd-journal',
      'containerd-namespaces', 'containerd-plugins', 'containerd-tasks', 'containerd-version', 'dmesg-boot', 'ethtool-driver', 'ethtool-stats',
      'ip6tables-list', 'ip6tables-save', 'ipset', 'iptables-filter', 'iptables-mangle', 'iptables-nat', 'iptables-save', 'ipvsadm',
      'kubelet-journal', 'nft-ruleset', 'nodeadm-config-journal', 'nodeadm-run-journal', 'xfs-info',
    ]);
    for (const row of rows) {
      const rec = cm.sources.find((s) => s.id === row.id);
      expect(rec, row.id).toMatchObject({ status: 'ok', outputs: [row.output] });
      expect(rec!.bytes, row.id).toBeGreaterThan(0);
    }
  });

  it('each stub received exactly the argv its row names, one call per row, in table order', async () => {
    expect(await stubs.calls()).toEqual(stubbedRows().map((x) => x.argv));
  });

  it('the bundle holds what the tools printed, at those paths (shared outputs after their headers)', async () => {
    expect(await text('networking/iptables-save.txt')).toBe(O.IPTABLES_SAVE);
    expect(await text('networking/iptables-nat.txt')).toBe(O.IPTABLES_LIST.nat);
    expect(await text('networking/ip6tables.txt')).toBe(O.IP6TABLES_LIST);
    expect(await text('networking/nftables.txt')).toBe(O.NFT_RULESET);
    expect(await text('networking/conntrack.txt')).toBe(`*** Output of conntrack -S ***\n${O.CONNTRACK_S}*** Output of conntrack -L ***\n${O.CONNTRACK_L}`);
    expect(await text('networking/ethtool-eth0.txt')).toBe(O.ETHTOOL_S);
    expect(await text('storage/xfs.txt')).toBe(O.XFS_INFO);
    expect(await text('containerd/containerd-containers.txt')).toBe(O.CTR.containers);
    expect(await text('kernel/dmesg.boot')).toBe(O.JOURNAL.kernel);
  });

  it('a secret in command output (the kubelet journal) is redacted and counted for its file', async () => {
    const kubelet = await text('kubelet/kubelet.log');
    expect(kubelet).not.toContain(O.STUB_SECRETS.journalBearer);
    expect(kubelet).toContain('Authorization: Bearer [REDACTED]');
    expect(cm.redactions).toContainEqual({ path: 'kubelet/kubelet.log', count: 1 });
  });

  describe('the node-state checks read the ingested command outputs', () => {
    let net: NodeChecksResult;
    const find = (code: string): NFinding => {
      const f = net.findings.find((x) => x.code === code);
      expect(f, `${code} in ${net.findings.map((x) => x.code).join(', ')}`).toBeDefined();
      return f!;
    };
    beforeAll(async () => {
      net = await runNodeChecks(store, await resolveBundle(store, node, r.bundleId), { area: 'network' });
    });

    it('iptables-save and the filter -nvL counters: the DROP on DNS that matched 312 packets is critical', () => {
      const f = find('IptablesBlocksPort');
      expect(f.severity).toBe('critical');
      expect(f.evidence).toEqual(expect.arrayContaining([
        expect.objectContaining({ path: 'networking/iptables-save.txt', text: '-A INPUT -p udp -m udp --dport 53 -j DROP' }),
        expect.objectContaining({ path: 'networking/iptables-filter.txt', text: expect.stringContaining('312 packets') }),
      ]));
    });

    it('the nat table read whole from iptables-save: kube-proxy is syncing, kube-dns DNAT present', () => {
      expect(net.checked.find((c) => c.check === 'kube-proxy-sync')).toMatchObject({ status: 'ok', reason: expect.stringContaining('2 service chains') });
    });

    it('conntrack -S: insert_failed summed over the CPUs', () => {
      const f = find('ConntrackDrops');
      expect(f.title).toBe('conntrack insert_failed = 14');
      expect(f.evidence[0]).toMatchObject({ path: 'networking/conntrack.txt', line: 3 });
    });

    it('ethtool -S eth0: the ENA pps allowance counter', () => {
      const f = find('PPSExceeded');
      expect(f.evidence).toEqual([expect.objectContaining({ path: 'networking/ethtool-eth0.txt', text: 'pps_allowance_exceeded: 1843' })]);
    });
  });
});
