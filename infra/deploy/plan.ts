import { join } from 'node:path';
import { kubeContextArgv, type KubeTarget } from './kube-context.js';

/** Everything a deploy is decided by; no secrets (none are needed: roles come from the caller's AWS session). */
export interface DeployChoices {
  region: string;
  cluster: string;
  /** from DescribeCluster: what the kube context must point at */
  clusterArn: string;
  clusterEndpoint?: string;
  identity: 'irsa' | 'pod-identity';
  /** required with irsa */
  oidcProviderArn?: string;
  ssmEnabled: boolean;
  /** node-group instance roles, only with ssmEnabled */
  nodeRoleArns: string[];
  namespace: string;
  release: string;
  gateway: boolean;
  gatewayTargetUrl?: string;
  kubeContext?: string;
  /**
   * The image every component runs (`repository:tag` or `repository@sha256:…`), e.g. the one built
   * from the Dockerfile and pushed to ECR. Absent: the chart's default image.
   */
  image?: string;
  /** skip CDK's interactive approval of IAM changes */
  approve: boolean;
}

/**
 * Splits an image reference into the chart's image values. The tag is the part after the last ':'
 * that follows the last '/', so a registry port (`host:5000/repo`) is not mistaken for a tag. Each
 * part is checked because it goes into `helm --set`, which would read a ',' or '=' as more values.
 */
export function imageValues(ref: string): { repository: string; tag?: string; digest?: string } {
  const at = ref.indexOf('@');
  if (at >= 0) {
    const digest = ref.slice(at + 1);
    if (!/^sha256:[a-f0-9]{64}$/.test(digest)) throw new Error(`image digest must be sha256:<64 hex>, got ${digest}`);
    return { repository: ref.slice(0, at), digest };
  }
  const colon = ref.lastIndexOf(':');
  const tagged = colon > ref.lastIndexOf('/');
  const repository = tagged ? ref.slice(0, colon) : ref;
  const tag = tagged ? ref.slice(colon + 1) : undefined;
  if (!/^[a-z0-9]+([._:/-][a-z0-9]+)*$/.test(repository)) throw new Error(`not an image repository: ${repository}`);
  if (tag !== undefined && !/^[\w][\w.-]{0,127}$/.test(tag)) throw new Error(`not an image tag: ${tag}`);
  return { repository, ...(tag ? { tag } : {}) };
}

export interface DeployPaths {
  repoRoot: string;
  /** private temporary directory (mode 0700) for the outputs and values files */
  workDir: string;
}

export type PlanStep =
  | { kind: 'exec'; title: string; argv: string[]; env?: Record<string, string> }
  | { kind: 'verify-kube-context'; title: string; argv: string[]; target: KubeTarget; kubeContext?: string }
  | { kind: 'write-namespace'; title: string; path: string; namespace: string }
  | { kind: 'render-values'; title: string; outputsFile: string; stackName: string; valuesFile: string };

export interface DeployPlan {
  stackName: string;
  steps: PlanStep[];
}

export function stackNameFor(cluster: string): string {
  return `EksNodeLogMcpHub-${cluster}`;
}

/**
 * The deploy as data: first a check that the kube context is the chosen cluster (it runs before
 * anything is created, so a wrong context costs nothing), CDK bootstrap and deploy of the hub, values rendered from its outputs, the namespace (with
 * the Pod Security label the privileged agent needs), then `helm upgrade --install`. Every command
 * is an argv array (never a shell line); `--dry-run` prints this plan, a real run executes it.
 */
export function buildDeployPlan(c: DeployChoices, p: DeployPaths): DeployPlan {
  if (c.identity === 'irsa' && !c.oidcProviderArn) throw new Error('identity irsa needs the cluster OIDC provider ARN');
  if (!c.ssmEnabled && c.nodeRoleArns.length > 0) throw new Error('node roles are only granted with the SSM method');
  const stackName = stackNameFor(c.cluster);
  const outputsFile = join(p.workDir, 'hub-outputs.json');
  const valuesFile = join(p.workDir, 'hub-values.yaml');
  const nsFile = join(p.workDir, 'namespace.yaml');
  const ctx = (k: string, v: string | undefined) => (v === undefined || v === '' ? [] : ['-c', `${k}=${v}`]);
  const kube = c.kubeContext ? ['--context', c.kubeContext] : [];
  const helmKube = c.kubeContext ? ['--kube-context', c.kubeContext] : [];
  const node = join(p.repoRoot, 'node_modules', '.bin', 'node');

  const cdkBin = join(p.repoRoot, 'node_modules', '.bin', 'cdk');
  const app = ['--app', `${node} ${join(p.repoRoot, 'dist', 'infra', 'app.js')}`];
  const context = [
    ...ctx('stackName', stackName),
    ...ctx('clusterName', c.cluster),
    ...ctx('namespace', c.namespace),
    ...ctx('releaseName', c.release),
    ...ctx('identity', c.identity),
    ...ctx('oidcProviderArn', c.identity === 'irsa' ? c.oidcProviderArn : undefined),
    ...ctx('ssmEnabled', String(c.ssmEnabled)),
    ...ctx('nodeRoleArns', c.nodeRoleArns.join(',')),
    ...ctx('gateway', String(c.gateway)),
    ...ctx('gatewayTargetUrl', c.gatewayTargetUrl),
  ];
  // The stack is env-agnostic, so bootstrap resolves the account from the caller's credentials and
  // the region from AWS_REGION; it is idempotent (a bootstrapped environment is left as it is).
  const bootstrap = [cdkBin, 'bootstrap', ...app, ...context];
  const cdk = [cdkBin, 'deploy', stackName, ...app, '--require-approval', c.approve ? 'never' : 'broadening', '--outputs-file', outputsFile, ...context];
  const img = c.image ? imageValues(c.image) : undefined;
  // --set after -f: the image chosen here wins over anything in the values file
  const imageSets = img ? Object.entries(img).flatMap(([k, v]) => ['--set', `image.${k}=${v}`]) : [];
  return {
    stackName,
    steps: [
      {
        kind: 'verify-kube-context',
        title: `Check that ${c.kubeContext ? `kube context ${c.kubeContext}` : 'the current kube context'} is cluster ${c.cluster}`,
        argv: kubeContextArgv(c.kubeContext),
        target: { cluster: c.cluster, region: c.region, endpoint: c.clusterEndpoint, arn: c.clusterArn },
        ...(c.kubeContext ? { kubeContext: c.kubeContext } : {}),
      },
      { kind: 'exec', title: `Bootstrap CDK in ${c.region} (once per account and region; no change when done)`, argv: bootstrap, env: { AWS_REGION: c.region } },
      { kind: 'exec', title: `Deploy the hub stack ${stackName} in ${c.region}`, argv: cdk, env: { AWS_REGION: c.region } },
      { kind: 'render-values', title: 'Render Helm values from the stack outputs', outputsFile, stackName, valuesFile },
      { kind: 'write-namespace', title: `Namespace ${c.namespace} (Pod Security: privileged, for the node agent)`, path: nsFile, namespace: c.namespace },
      { kind: 'exec', title: `Apply namespace ${c.namespace}`, argv: ['kubectl', ...kube, 'apply', '-f', nsFile] },
      {
        kind: 'exec',
        title: `Install the chart as release ${c.release}`,
        argv: [
          'helm', 'upgrade', '--install', c.release, join(p.repoRoot, 'charts', 'eks-node-log-mcp'),
          '--namespace', c.namespace, ...helmKube, '-f', valuesFile, ...imageSets,
        ],
      },
    ],
  };
}

/** The namespace manifest the plan applies (the agent and one-shot collectors are privileged). */
export function namespaceManifest(namespace: string): string {
  return [
    'apiVersion: v1',
    'kind: Namespace',
    'metadata:',
    `  name: ${namespace}`,
    '  labels:',
    '    pod-security.kubernetes.io/enforce: privileged',
    '    app.kubernetes.io/part-of: eks-node-log-mcp',
    '',
  ].join('\n');
}
