import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ControlPlane, startControlPlane } from '../env/kube.js';
import { installCrds } from '../helpers/kube-fixtures.js';

// Issue 7's bar: the rendered chart, for the default values and each CI values set, is accepted by
// the real API server (`kubectl apply --dry-run=server`: admission, schema and RBAC validation).
const chart = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'charts', 'eks-node-log-mcp');
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
});
