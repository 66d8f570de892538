import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ControlPlane, startControlPlane } from '../env/kube.js';
import { installCrds } from '../helpers/kube-fixtures.js';

// Issue 7's bar: the rendered chart, for the default values and each CI values set, is accepted by
// the real API server (`kubectl apply --dry-run=server`: admission, schema and RBAC validation).
const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const chart = join(repo, 'charts', 'eks-node-log-mcp');
const exec = promisify(execFile);

describe('chart on the real API server', () => {
  let cp: ControlPlane;
  let work: string;
  beforeAll(async () => {
    cp = await startControlPlane();
    work = await mkdtemp(join(tmpdir(), 'enlm-chart-'));
    await installCrds(cp);
    await exec(join(cp.binDir, 'kubectl'), ['--kubeconfig', cp.kubeconfigPath, 'create', 'namespace', 'obs']);
  });
  afterAll(async () => {
    await cp?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it.each([
    ['default values', []],
    ['ci/s3-agent-ingress-values.yaml', ['-f', join(chart, 'ci', 's3-agent-ingress-values.yaml')]],
    ['ci/filesystem-no-agent-values.yaml', ['-f', join(chart, 'ci', 'filesystem-no-agent-values.yaml')]],
  ])('%s apply cleanly with --dry-run=server', async (name, values) => {
    const { stdout } = await exec(join(cp.binDir, 'helm'), ['template', 'enlm', chart, '--namespace', 'obs', '--kube-version', '1.36.3', ...values], { maxBuffer: 32 << 20 });
    const file = join(work, `${name.replace(/\W+/g, '-')}.yaml`);
    await writeFile(file, stdout);
    const r = await exec(join(cp.binDir, 'kubectl'), ['--kubeconfig', cp.kubeconfigPath, 'apply', '--dry-run=server', '-n', 'obs', '-f', file]);
    const lines = r.stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThan(8);
    expect(lines.every((l) => /(created|configured|unchanged) \(server dry run\)$/.test(l)), r.stdout).toBe(true);
    expect(r.stderr).toBe('');
  });
  it('deploy/install.yaml (for clusters without Helm), its image set as the chart README says, applies cleanly with --dry-run=server in namespace eks-node-log-mcp', async () => {
    const kubectl = (...args: string[]) => exec(join(cp.binDir, 'kubectl'), ['--kubeconfig', cp.kubeconfigPath, ...args]);
    await kubectl('create', 'namespace', 'eks-node-log-mcp');
    await kubectl('label', 'namespace', 'eks-node-log-mcp', 'pod-security.kubernetes.io/enforce=privileged');
    const manifest = (await readFile(join(repo, 'deploy', 'install.yaml'), 'utf8'))
      .replaceAll('ghcr.io/eks-node-log-mcp/eks-node-log-mcp:0.1.0', '123456789012.dkr.ecr.eu-west-1.amazonaws.com/eks-node-log-mcp:0.1.0');
    const file = join(work, 'install.yaml');
    await writeFile(file, manifest);
    const r = await kubectl('apply', '--dry-run=server', '-f', file);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toContain('deployment.apps/eks-node-log-mcp-operator created (server dry run)');
    expect(lines).toContain('daemonset.apps/eks-node-log-mcp-agent created (server dry run)');
    expect(lines.every((l) => /(created|configured|unchanged) \(server dry run\)$/.test(l)), r.stdout).toBe(true);
    // beforeAll created the CRDs without kubectl apply, so apply notes it will add its annotation to
    // them; that, and nothing else, may be on stderr (a fresh cluster prints nothing).
    const warnings = r.stderr.trim().split('\n').filter(Boolean);
    expect(warnings.map((w) => /^Warning: resource customresourcedefinitions\/(\S+) is missing the kubectl.kubernetes.io\/last-applied-configuration annotation/.exec(w)?.[1]), r.stderr)
      .toEqual(warnings.length ? ['nodelogcollections.eksnodelog.io', 'packetcaptures.eksnodelog.io'] : []);
  });
});
