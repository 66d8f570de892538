import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';

// checkov as scripts/check-install.sh runs it (scripts/checkov-each.sh, the pinned checkov of
// scripts/setup-checkov.sh) on charts rendered by the real helm. Graph checks such as CKV2_K8S_6
// ("pods without a NetworkPolicy") see every resource of one run, so values sets scanned together
// vouch for each other; these tests hold each set to its own manifests.
const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const chart = join(repo, 'charts', 'eks-node-log-mcp');
const exec = promisify(execFile);
let helm = '';
let work = '';

async function render(dir: string, ...args: string[]): Promise<string> {
  const { stdout } = await exec(helm, ['template', 'enlm', chart, '--namespace', 'eks-node-log-mcp', '--kube-version', '1.36.3', '--include-crds', ...args], { maxBuffer: 32 << 20 });
  await mkdir(join(work, dir), { recursive: true });
  await writeFile(join(work, dir, `${dir}.yaml`), stdout);
  return stdout;
}

/** Runs scripts/checkov-each.sh; resolves with its exit code and output instead of throwing. */
async function checkovEach(framework: string, ...dirs: string[]) {
  try {
    const r = await exec('bash', [join(repo, 'scripts', 'checkov-each.sh'), framework, ...dirs.map((d) => join(work, d))], { cwd: repo, maxBuffer: 32 << 20, timeout: 5 * 60_000 });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: err.code, out: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}
const failedChecks = (out: string) => [...out.matchAll(/^Check: (CKV2?_\w+):/gm)].map((m) => m[1]);

beforeAll(async () => {
  const { stdout } = await exec('bash', [join(repo, 'scripts', 'setup-kube.sh'), 'helm'], { cwd: repo, timeout: 20 * 60_000, maxBuffer: 16 << 20 });
  helm = join(stdout.trim().split('\n').pop() as string, 'helm');
  await exec('bash', [join(repo, 'scripts', 'setup-checkov.sh')], { cwd: repo, timeout: 20 * 60_000, maxBuffer: 16 << 20 });
  work = await mkdtemp(join(tmpdir(), 'enlm-checkov-'));
}, 45 * 60_000);
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('checkov per values set', () => {
  it('judges each directory alone: pods whose NetworkPolicies only another set renders fail CKV2_K8S_6', async () => {
    const full = await render('with-policies');
    // The same release without its NetworkPolicy documents: identical pods and labels, nothing selecting them.
    const docs = parseAllDocuments(full).map((d) => d.toJS()).filter((o) => o && o.kind !== 'NetworkPolicy');
    await mkdir(join(work, 'without-policies'));
    await writeFile(join(work, 'without-policies', 'without-policies.yaml'), docs.map((o) => stringify(o)).join('---\n'));

    expect((await checkovEach('kubernetes', 'with-policies')).code).toBe(0);
    const both = await checkovEach('kubernetes', 'with-policies', 'without-policies');
    expect(both.code).toBe(1);
    // Exactly the operator's and the server's pods, nothing else: the agent is on the host network
    // (suppressed with its reason) and the default set's policies no longer vouch for this set.
    expect(failedChecks(both.out)).toEqual(['CKV2_K8S_6', 'CKV2_K8S_6']);
    expect(both.out).toMatch(/component-operator/);
    expect(both.out).toMatch(/component-server/);
    expect(both.out).toContain('failures in ' + join(work, 'without-policies'));
    expect(both.out).not.toContain(join(work, 'with-policies') + ' ');
  });

  it('every rendered values set of the chart (default and each ci/*.yaml) passes checkov on its own', async () => {
    const sets = ['default', ...(await readdir(join(chart, 'ci'))).filter((f) => f.endsWith('.yaml'))];
    expect(sets).toContain('filesystem-no-agent-values.yaml');
    const dir = (s: string) => `set-${s.replace(/\.yaml$/, '')}`;
    for (const s of sets) await render(dir(s), ...(s === 'default' ? [] : ['-f', join(chart, 'ci', s)]));
    const r = await checkovEach('kubernetes', ...sets.map(dir));
    expect(failedChecks(r.out), r.out).toEqual([]);
    expect(r.code).toBe(0);
  });
});
