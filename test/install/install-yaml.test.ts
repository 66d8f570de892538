import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

// deploy/install.yaml, the manifest for clusters without Helm, against the chart it is rendered from
// (scripts/render-install-yaml.sh), with the real helm of scripts/setup-kube.sh.
const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const exec = promisify(execFile);
let helm = '';
let committed = '';

beforeAll(async () => {
  const { stdout } = await exec('bash', [join(repo, 'scripts', 'setup-kube.sh'), 'helm'], { cwd: repo, timeout: 20 * 60_000, maxBuffer: 16 << 20 });
  helm = join(stdout.trim().split('\n').pop() as string, 'helm');
  committed = await readFile(join(repo, 'deploy', 'install.yaml'), 'utf8');
}, 25 * 60_000);

describe('deploy/install.yaml', () => {
  it('is the chart rendered with its default values, CRDs included, as release and namespace eks-node-log-mcp (run scripts/render-install-yaml.sh)', async () => {
    const { stdout } = await exec(helm, ['template', 'eks-node-log-mcp', join(repo, 'charts', 'eks-node-log-mcp'), '--namespace', 'eks-node-log-mcp',
      '--kube-version', '1.36.3', '--include-crds'], { maxBuffer: 32 << 20 });
    const header = committed.split('\n').slice(0, 4);
    expect(header.every((l) => l.startsWith('# '))).toBe(true);
    expect(committed.split('\n').slice(4).join('\n')).toBe(stdout);
  });

  it('holds both CRDs and every component, all in namespace eks-node-log-mcp', () => {
    const objs = parseAllDocuments(committed).map((d) => d.toJS()).filter(Boolean) as { kind: string; metadata: { name: string; namespace?: string } }[];
    expect(objs.filter((o) => o.kind === 'CustomResourceDefinition').map((o) => o.metadata.name).sort())
      .toEqual(['nodelogcollections.eksnodelog.io', 'packetcaptures.eksnodelog.io']);
    expect(objs.filter((o) => ['Deployment', 'DaemonSet'].includes(o.kind)).map((o) => `${o.kind}/${o.metadata.name}`).sort())
      .toEqual(['DaemonSet/eks-node-log-mcp-agent', 'Deployment/eks-node-log-mcp-operator', 'Deployment/eks-node-log-mcp-server']);
    const namespaced = objs.filter((o) => !['CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding'].includes(o.kind));
    expect(namespaced.length).toBeGreaterThan(10);
    expect(namespaced.filter((o) => o.metadata.namespace !== 'eks-node-log-mcp')).toEqual([]);
  });

  it('names its placeholder image in one exact string, so the README\'s sed sets every component\'s image (containers and the one-shot collector argument)', async () => {
    const placeholder = 'ghcr.io/eks-node-log-mcp/eks-node-log-mcp:0.1.0';
    const readme = await readFile(join(repo, 'charts', 'eks-node-log-mcp', 'README.md'), 'utf8');
    expect(readme).toContain(`sed "s#${placeholder}#$IMAGE#g" deploy/install.yaml`);
    const replaced = committed.replaceAll(placeholder, '123456789012.dkr.ecr.eu-west-1.amazonaws.com/eks-node-log-mcp:0.1.0');
    expect(replaced).not.toContain('ghcr.io');
    expect(replaced.match(/dkr\.ecr/g)).toHaveLength(4); // operator, server, agent containers + the operator's --image
  });
});
