import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { fileURLToPath } from 'node:url';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EKSClient } from '@aws-sdk/client-eks';
import type { Logger } from 'pino';
import { chartFullname } from '../../infra/hub-config.js';
import { type DiscoveryClients, describeCluster, listClustersIn, listEnabledRegions, listNodeRoles } from '../../infra/deploy/discover.js';
import { buildDeployPlan, type DeployChoices, type DeployPlan, namespaceManifest } from '../../infra/deploy/plan.js';
import { renderValuesSnippet, stackOutputs } from '../../infra/values-snippet.js';

export interface DeployOptions {
  /** a region name, `all` (every enabled region) or `current` (the SDK's default region) */
  region?: string;
  cluster?: string;
  identity?: 'irsa' | 'pod-identity';
  ssm?: boolean;
  nodeRole?: string[];
  namespace: string;
  release: string;
  gateway?: boolean;
  gatewayTargetUrl?: string;
  kubeContext?: string;
  /** image reference for every component (the chart's image.repository/tag or digest) */
  image?: string;
  yes?: boolean;
  dryRun?: boolean;
  /** prompt for what flags leave open (default when stdin is a terminal and --yes is not given) */
  interactive: boolean;
}

/** Asks the operator to pick one of `choices` (or type a value when choices is empty). */
export type Ask = (question: string, choices: string[], fallback?: string) => Promise<string>;

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/**
 * `deploy`: region → cluster → (SSM) node roles, then the hub stack and the chart. Interactive by
 * default on a terminal; with flags (or --yes) nothing is asked. No secret is written anywhere:
 * the outputs and values files hold ARNs and names only and live in a private temp dir removed at
 * the end.
 */
export async function runDeploy(o: DeployOptions, log: Logger, clients: DiscoveryClients = awsClients()): Promise<number> {
  const rl = o.interactive ? createInterface({ input: process.stdin, output: process.stderr }) : undefined;
  const ask: Ask = async (question, choices, fallback) => {
    if (!rl) throw new Error(`${question}: not given and not interactive (pass the flag, or run on a terminal)`);
    const menu = choices.map((c, i) => `  ${i + 1}) ${c}`).join('\n');
    const answer = (await rl.question(`${question}${menu ? `\n${menu}` : ''}\n${fallback ? `[${fallback}] ` : ''}> `)).trim() || fallback || '';
    const n = Number(answer);
    return choices.length && Number.isInteger(n) && n >= 1 && n <= choices.length ? (choices[n - 1] as string) : answer;
  };
  try {
    const choices = await resolveChoices(o, clients, ask);
    const workDir = await mkdtemp(join(tmpdir(), 'enlm-deploy-'));
    try {
      const plan = buildDeployPlan(choices, { repoRoot, workDir });
      if (o.dryRun) {
        process.stdout.write(formatPlan(plan));
        return 0;
      }
      await executePlan(plan, log);
      process.stdout.write(connectInstructions(choices));
      return 0;
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  } finally {
    rl?.close();
  }
}

function awsClients(): DiscoveryClients {
  return { eks: (region) => new EKSClient({ region }), ec2: (region) => new EC2Client({ region }) };
}

/** Fills every choice from flags, asking only for what is missing (and only when interactive). */
export async function resolveChoices(o: DeployOptions, c: DiscoveryClients, ask: Ask): Promise<DeployChoices> {
  let regionArg = o.region ?? (await ask('Region: search all enabled regions, the current one, or name one', ['current', 'all'], 'current'));
  const current = async () => {
    const r = await new EKSClient({}).config.region();
    if (!r) throw new Error('no current region: set AWS_REGION or pass --region <name>');
    return r;
  };
  if (regionArg === 'current') regionArg = await current();
  const regions = regionArg === 'all' ? await listEnabledRegions(c, await current()) : [regionArg];

  let region: string;
  let cluster: string;
  if (o.cluster) {
    if (regions.length !== 1) throw new Error('--cluster needs one --region (not all)');
    region = regions[0] as string;
    cluster = o.cluster;
  } else {
    const found = await listClustersIn(c, regions);
    for (const f of found.failed) process.stderr.write(`deploy: could not list clusters in ${f.region} (${f.error})\n`);
    if (found.clusters.length === 0) throw new Error(`no EKS clusters found in ${regions.join(', ')}`);
    const labels = found.clusters.map((x) => `${x.name} (${x.region})`);
    const picked = labels.length === 1 && !o.interactive ? labels[0] : await ask('Cluster', labels);
    const hit = found.clusters[labels.indexOf(picked as string)];
    if (!hit) throw new Error(`not one of the clusters found: ${picked}`);
    ({ region, name: cluster } = hit);
  }
  const info = await describeCluster(c, region, cluster);

  const identity = o.identity ?? ((await ask('How do the pods get AWS credentials?', ['pod-identity', 'irsa'], 'pod-identity')) as DeployChoices['identity']);
  if (identity !== 'irsa' && identity !== 'pod-identity') throw new Error(`identity must be irsa or pod-identity, not ${identity}`);
  if (identity === 'irsa' && !info.oidcProviderArn) throw new Error(`cluster ${cluster} has no OIDC issuer; use pod-identity`);

  const ssmEnabled = o.ssm ?? (await ask('Enable the SSM collection method (reaches nodes whose kubelet is down)?', ['no', 'yes'], 'no')) === 'yes';
  let nodeRoleArns: string[] = [];
  if (ssmEnabled) {
    if (o.nodeRole?.length) nodeRoleArns = o.nodeRole;
    else {
      const roles = await listNodeRoles(c, region, cluster);
      const all = roles.map((r) => r.roleArn);
      if (o.interactive && all.length > 0) {
        const answer = await ask(`Node roles to grant the SSM upload (comma-separated numbers, or "all")\n${roles.map((r, i) => `  ${i + 1}) ${r.roleArn} (${r.nodegroup})`).join('\n')}`, [], 'all');
        nodeRoleArns = answer === 'all' ? all : answer.split(',').map((s) => all[Number(s.trim()) - 1]).filter((r): r is string => !!r);
      } else nodeRoleArns = all;
    }
  }
  return {
    region, cluster, identity, oidcProviderArn: info.oidcProviderArn, ssmEnabled, nodeRoleArns,
    namespace: o.namespace, release: o.release, gateway: o.gateway ?? false, gatewayTargetUrl: o.gatewayTargetUrl,
    kubeContext: o.kubeContext, image: o.image, approve: o.yes ?? false,
  };
}

/** Shell-quoted display of the plan (for reading only; execution never goes through a shell). */
export function formatPlan(plan: DeployPlan): string {
  const q = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  return plan.steps
    .map((s, i) => {
      const head = `# ${i + 1}. ${s.title}`;
      if (s.kind === 'exec') return `${head}\n${Object.entries(s.env ?? {}).map(([k, v]) => `${k}=${q(v)} `).join('')}${s.argv.map(q).join(' ')}`;
      if (s.kind === 'render-values') return `${head}\n(values from ${s.outputsFile} → ${s.valuesFile})`;
      return `${head}\n(namespace manifest → ${s.path})`;
    })
    .join('\n\n')
    .concat('\n');
}

async function executePlan(plan: DeployPlan, log: Logger): Promise<void> {
  for (const step of plan.steps) {
    log.info({ step: step.title }, 'Running deploy step');
    process.stderr.write(`==> ${step.title}\n`);
    if (step.kind === 'exec') await run(step.argv, step.env);
    else if (step.kind === 'write-namespace') await writeFile(step.path, namespaceManifest(step.namespace), { mode: 0o600 });
    else {
      const outputs = stackOutputs(JSON.parse(await readFile(step.outputsFile, 'utf8')), step.stackName);
      await writeFile(step.valuesFile, renderValuesSnippet(outputs), { mode: 0o600 });
    }
  }
}

function run(argv: string[], env?: Record<string, string>): Promise<void> {
  const [cmd, ...args] = argv;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd as string, args, { stdio: 'inherit', env: { ...process.env, ...env } });
    child.once('error', reject);
    child.once('exit', (code, sig) => (code === 0 ? resolve() : reject(new Error(`${cmd} failed (exit ${code ?? sig})`))));
  });
}

export function connectInstructions(c: DeployChoices): string {
  const svc = `${chartFullname(c.release)}-server.${c.namespace}.svc`;
  return [
    '',
    `eks-node-log-mcp is installed on ${c.cluster} (${c.region}).`,
    `In-cluster MCP endpoint: http://${svc}:8080/mcp`,
    '  Bearer token: a ServiceAccount token of the caller (kubectl create token <sa> -n <ns>);',
    '  RBAC: get nodelogcollections to read, create to collect. Client pods need the label eks-node-log-mcp.io/client=true.',
    `From a laptop: kubectl -n ${c.namespace} port-forward svc/${chartFullname(c.release)}-server 8080:8080, then http://127.0.0.1:8080/mcp`,
    c.gateway ? 'AgentCore gateway: created, but not usable yet (the hub accepts only Kubernetes tokens and the gateway forwards none); use the port-forward above.' : '',
    'See docs/connect-agents.md.',
    '',
  ].filter((l) => l !== '').join('\n').concat('\n');
}
