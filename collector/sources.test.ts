import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import picomatch from 'picomatch';
import { describe, expect, it } from 'vitest';
import { parseNodeState } from '../core/node-state/load-state.js';
import { EXPECTED_FILES } from '../core/query/expected-files.js';
import { CATEGORIES, loadSources, resolveCategories, selectSources, SourceSchema, SourceTableError } from './sources.js';

const all = loadSources();
/** Every bundle path the table can write (per-interface rows as eth0, directory rows as dir/x). */
const outputs = all.map((s) => ('outputDir' in s && s.outputDir ? `${s.outputDir}/x` : (s.output ?? '').replace('{iface}', 'eth0')));
/** Whether some row can write this bundle path (a directory row: under its outputDir and matching its glob). */
const canWrite = (path: string) => all.some((s) => {
  if ('outputDir' in s && s.outputDir) return path.startsWith(`${s.outputDir}/`) && picomatch(s.match!, { dot: true })(path.slice(s.outputDir.length + 1));
  return s.output === path || (s.output?.includes('{iface}') === true && new RegExp(`^${s.output.replace('{iface}', '[A-Za-z0-9._@-]+')}$`).test(path));
});

describe('sources.yaml', () => {
  it('loads, with unique ids and every category represented', () => {
    expect(new Set(all.map((s) => s.id)).size).toBe(all.length);
    expect(new Set(all.map((s) => s.category))).toEqual(new Set(CATEGORIES));
  });

  it('dmesg.boot falls back to the journal (journalctl -k -b 0) where /var/log/dmesg is absent (AL2023, Bottlerocket)', () => {
    expect(all.find((s) => s.id === 'dmesg-boot')).toMatchObject({ kind: 'file', paths: ['/var/log/dmesg'], output: 'kernel/dmesg.boot', orCommand: ['journalctl', '-k', '-b', '0', '--no-pager'] });
    expect(SourceSchema.safeParse({ id: 'x', category: 'Base', kind: 'file', from: '/var/log', match: '*', outputDir: 'var_log', orCommand: ['true'] }).success).toBe(false);
  });

  it('writes every file the analysis expects of a complete bundle (core/query/expected-files.ts)', () => {
    const missing = EXPECTED_FILES.filter((e) => !(e.glob ? outputs.some((o) => o.startsWith(e.path)) : canWrite(e.path))).map((e) => e.path);
    expect(missing).toEqual([]);
  });

  it('writes every path core/node-state/load-state.ts parses', async () => {
    const asked: string[] = [];
    await parseNodeState(outputs, async (p) => {
      asked.push(p);
      return (async function* () {})();
    });
    // the state loader only opens paths it was told exist: each of the table's it recognises
    for (const p of ['networking/iptables-save.txt', 'networking/iproute.txt', 'networking/iprule.txt', 'networking/conntrack.txt', 'sysctls/sysctl_all.txt',
      'ipamd/enis.json', 'ipamd/pods.json', 'ipamd/ipamd-env-settings.json', 'networking/resolv.conf', 'networking/ethtool-eth0.txt', 'networking/iplink.txt',
      'storage/mounts.txt', 'storage/inodes.txt', 'kubelet/config.json']) expect(asked, p).toContain(p);
  });

  it('feeds the rules: the main log sources of the catalog match a table output', () => {
    const samples: [string, string][] = [
      ['kubelet/kubelet.log*', 'kubelet/kubelet.log'], ['containerd/**', 'containerd/containerd-log.txt'], ['kernel/dmesg*', 'kernel/dmesg.current'],
      ['var_log/messages*', 'var_log/messages'], ['var_log/aws-routed-eni/**', 'var_log/aws-routed-eni/ipamd.log'],
      ['var_log/cloud-init-output.log*', 'var_log/cloud-init-output.log'], ['nodeadm/**', 'nodeadm/nodeadm-run.log'], ['storage/xfs.txt', 'storage/xfs.txt'],
      ['var_log/pods/kube-system_aws-node*/**', 'var_log/pods/kube-system_aws-node-1_uid/aws-node/0.log'], ['networking/iptables-save*', 'networking/iptables-save.txt'],
    ];
    for (const [glob, path] of samples) {
      expect(picomatch(glob, { dot: true })(path), glob).toBe(true);
      expect(canWrite(path), path).toBe(true);
    }
  });

  it('selects by category and platform', () => {
    expect(resolveCategories(['All'])).toEqual([...CATEGORIES]);
    expect(resolveCategories([])).toEqual([...CATEGORIES]);
    expect(resolveCategories(['System', 'Base', 'System'])).toEqual(['Base', 'System']);
    expect(() => resolveCategories(['Everything'])).toThrow();
    expect(selectSources(all, ['Networking'], 'al2023').every((s) => s.category === 'Networking')).toBe(true);
    expect(selectSources(all, [...CATEGORIES], 'bottlerocket').some((s) => s.id === 'nodeadm-run-journal')).toBe(false);
    expect(selectSources(all, [...CATEGORIES], 'al2023').some((s) => s.id === 'nodeadm-run-journal')).toBe(true);
  });

  it.each([
    ['an output path with ..', { id: 'x', category: 'Base', kind: 'file', paths: ['/etc/x'], output: '../x' }],
    ['a relative host path', { id: 'x', category: 'Base', kind: 'file', paths: ['etc/x'], output: 'a/x' }],
    ['a host path with ..', { id: 'x', category: 'Base', kind: 'file', paths: ['/var/../etc/shadow'], output: 'a/x' }],
    ['an http source off the node', { id: 'x', category: 'Base', kind: 'http', url: 'http://example.com/v1', output: 'a/x' }],
    ['a file source with both forms', { id: 'x', category: 'Base', kind: 'file', paths: ['/a'], output: 'a/x', from: '/b', match: '*', outputDir: 'b' }],
    ['a per-interface row without {iface}', { id: 'x', category: 'Device', kind: 'command', perInterface: true, argv: ['ethtool'], output: 'a/x' }],
    ['an unknown key (typo)', { id: 'x', category: 'Base', kind: 'command', argv: ['ls'], output: 'a/x', shell: true }],
  ])('refuses a row with %s', (_name, row) => {
    expect(SourceSchema.safeParse(row).success).toBe(false);
  });

  it('a table with a bad row names the row in its error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sources-'));
    try {
      await writeFile(join(dir, 't.yaml'), 'sources:\n  - { id: a, category: Base, kind: command, argv: [ls], output: a/b }\n  - { id: a, category: Base, kind: command, argv: [ls], output: a/c }\n');
      expect(() => loadSources(join(dir, 't.yaml'))).toThrow(SourceTableError);
      expect(() => loadSources(join(dir, 't.yaml'))).toThrow(/duplicate source id a/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
