import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEALTHY } from '../../test/fixtures/node-state-files.js';
import { ingestBundle } from '../ingest/ingest-bundle.js';
import { resolveBundle } from '../query/bundle-ref.js';
import { summarize } from '../query/summarize.js';
import { CompiledCatalog } from '../rules/compiled-catalog.js';
import { FsBundleStore } from '../store/fs-store.js';
import { runNodeChecks } from './run-checks.js';

let dir: string;
let store: FsBundleStore;
const catalog = CompiledCatalog.load();
const MiB = 1024 * 1024;

/** Writes `files` as a bundle directory and ingests it under `node`. */
async function ingest(node: string, files: Record<string, string>) {
  const root = join(dir, node);
  for (const [p, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, p)), { recursive: true });
    await writeFile(join(root, p), text);
  }
  await ingestBundle({ store, catalog, source: { kind: 'directory', path: root }, node });
  return resolveBundle(store, node);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'node-state-'));
  store = new FsBundleStore(join(dir, 'store'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('runNodeChecks on ingested bundles', () => {
  it('reads iptables-save past its first MiB: KUBE-SERVICES rules after 1 MiB are found, not "empty"', async () => {
    // a filter table of 1.5 MiB first, as on nodes with many NetworkPolicy or security-agent rules
    const filler: string[] = [];
    for (let i = 0; filler.join('\n').length < 1.5 * MiB && i < 1e6; i += 100) {
      for (let j = 0; j < 100; j++) filler.push(`-A INPUT -s 10.${(i + j) >> 16 & 255}.${(i + j) >> 8 & 255}.${(i + j) & 255}/32 -m comment --comment "allow-list" -j ACCEPT`);
    }
    const ipt = HEALTHY['networking/iptables-save.txt']!.replace('-A INPUT -j KUBE-FIREWALL', `-A INPUT -j KUBE-FIREWALL\n${filler.join('\n')}`);
    expect(ipt.indexOf('KUBE-SERVICES')).toBeGreaterThan(MiB);
    expect(ipt.length).toBeGreaterThan(MiB);
    const ref = await ingest('ip-10-0-1-1.ec2.internal', { ...HEALTHY, 'networking/iptables-save.txt': ipt });
    const r = await runNodeChecks(store, ref, { area: 'network' });
    expect(r.findings).toEqual([]);
    expect(r.checked.find((c) => c.check === 'kube-proxy-sync')).toMatchObject({ status: 'ok' });
  });

  it('numbers findings N-001… across areas by severity, stores them for summarize, says what was not checked', async () => {
    const sysctl = HEALTHY['sysctls/sysctl_all.txt']!.replace('ip_forward = 1', 'ip_forward = 0');
    const mounts = HEALTHY['storage/mounts.txt']!.replace('80G   31G   50G  39% /\n', '80G   69G   11G  87% /\n');
    const { 'networking/iptables-save.txt': _gone, ...rest } = HEALTHY;
    const ref = await ingest('ip-10-0-1-2.ec2.internal', { ...rest, 'sysctls/sysctl_all.txt': sysctl, 'storage/mounts.txt': mounts, 'networking/resolv.conf': 'nameserver 10.0.0.2\noptions ndots:5\n' });
    const net = await runNodeChecks(store, ref, { area: 'network' });
    const disk = await runNodeChecks(store, ref, { area: 'storage' });
    expect(net.findings.map((f) => [f.id, f.code, f.category])).toEqual([['N-001', 'IpForwardDisabled', 'networking'], ['N-003', 'ResolvConfHighNdots', 'dns']]);
    expect(disk.findings.map((f) => [f.id, f.code])).toEqual([['N-002', 'DiskUsageHigh']]);
    expect(net.checked.find((c) => c.check === 'iptables-forward-policy')).toEqual({ check: 'iptables-forward-policy', area: 'network', status: 'not-checked', reason: 'not checked: networking/iptables-save.txt missing' });
    expect(net.findings[0]!.evidence[0]).toEqual({ path: 'sysctls/sysctl_all.txt', line: 4, text: 'net.ipv4.ip_forward = 0' });
    const s = await summarize(store, ref, ['N-001', 'N-002', 'N-003', 'N-404']);
    expect(s.resolved.map((x) => x.id)).toEqual(['N-001', 'N-002', 'N-003']);
    expect(s.unresolved.map((x) => x.id)).toEqual(['N-404']);
  });
});
