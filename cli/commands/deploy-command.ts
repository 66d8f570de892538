import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EKSClient } from '@aws-sdk/client-eks';
import type { Logger } from 'pino';
import { chartFullname } from '../../infra/hub-config.js';
import { type DiscoveryClients, describeCluster, listClustersIn, listEnabledRegions, listNodeRoles } from '../../infra/deploy/discover.js';
import { kubeContextMismatch } from '../../infra/deploy/kube-context.js';
import { GATEWAY_GROUP } from '../../infra/agent-gateway.js';
import { buildDeployPlan, type DeployChoices, type DeployPlan, namespaceManifest, type PlanStep } from '../../infra/deploy/plan.js';
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
/** Tells the operator something they must act on, without stopping the deploy. */
export type Warn = (message: string) => void;

/** A deploy that must not go on (e.g. the kube context is another cluster); the message says what to do. */
export class DeployStopped extends Error {}

// IAM role ARN as CDK context takes it: the list is joined with ',' so a role name may not hold one.
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=.@/-]+$/;

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
    } catch (e) {
      if (!(e instanceof DeployStopped)) throw e;
      process.stderr.write(`deploy: ${e.message}\n`);
      return 1;
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
export async function resolveChoices(o: DeployOptions, c: DiscoveryClients, ask: Ask, warn: Warn = (m) => process.stderr.write(`deploy: ${m}\n`)): Promise<DeployChoices> {
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
  const nodeRoleArns = ssmEnabled ? await pickNodeRoles(o, c, ask, warn, region, cluster) : [];
  if (!ssmEnabled && o.nodeRole?.length) warn('node roles given (--node-role / EKS_NODE_ROLE_ARNS) are ignored: they are only granted with the SSM method');
  return {
    region, cluster, clusterArn: info.arn, clusterEndpoint: info.endpoint, identity, oidcProviderArn: info.oidcProviderArn, ssmEnabled, nodeRoleArns,
    namespace: o.namespace, release: o.release, gateway: o.gateway ?? false, gatewayTargetUrl: o.gatewayTargetUrl,
    kubeContext: o.kubeContext, image: o.image, approve: o.yes ?? false,
  };
}

/**
 * The instance roles the SSM runbook uploads with (it runs on the node, as the node). Given ones win;
 * otherwise those of the managed node groups. Karpenter and self-managed nodes belong to no managed
 * node group, so discovery finds nothing for them: then ask (interactive) and, when still none,
 * warn that SSM collections from those nodes cannot upload, instead of granting nothing silently.
 */
async function pickNodeRoles(o: DeployOptions, c: DiscoveryClients, ask: Ask, warn: Warn, region: string, cluster: string): Promise<string[]> {
  let picked: string[];
  if (o.nodeRole?.length) picked = o.nodeRole;
  else {
    const roles = await listNodeRoles(c, region, cluster);
    const all = roles.map((r) => r.roleArn);
    if (all.length === 0) {
      const typed = o.interactive
        ? await ask(`Cluster ${cluster} has no managed node groups (Karpenter or self-managed nodes?). Instance role ARNs of its nodes to grant the SSM upload (comma-separated; empty: none)`, [], '')
        : '';
      picked = typed.split(',').map((s) => s.trim()).filter(Boolean);
      if (picked.length === 0) {
        warn(`SSM is on, but cluster ${cluster} has no managed node group, so no node role was found and none is granted: `
          + 'SSM collections from its nodes (Karpenter or self-managed) will fail to upload to the hub bucket. '
          + 'Pass the nodes\' instance roles with --node-role <arn> (repeatable) or EKS_NODE_ROLE_ARNS=<arn>,<arn>.');
      }
    } else if (o.interactive) {
      const answer = await ask(`Node roles to grant the SSM upload (comma-separated numbers, or "all")\n${roles.map((r, i) => `  ${i + 1}) ${r.roleArn} (${r.nodegroup})`).join('\n')}`, [], 'all');
      picked = answer === 'all' ? all : answer.split(',').map((s) => all[Number(s.trim()) - 1]).filter((r): r is string => !!r);
    } else picked = all;
  }
  for (const arn of picked) {
    if (!ROLE_ARN.test(arn)) throw new Error(`not an IAM role ARN (arn:aws:iam::<account>:role/<name>, no commas): ${arn}`);
  }
  return picked;
}

/** Shell-quoted display of the plan (for reading only; execution never goes through a shell). */
export function formatPlan(plan: DeployPlan): string {
  const q = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  return plan.steps
    .map((s, i) => {
      const head = `# ${i + 1}. ${s.title}`;
      if (s.kind === 'exec') return `${head}\n${Object.entries(s.env ?? {}).map(([k, v]) => `${k}=${q(v)} `).join('')}${s.argv.map(q).join(' ')}`;
      if (s.kind === 'verify-kube-context') {
        return `${head}\n${s.argv.map(q).join(' ')}\n(stops unless the server is ${s.target.endpoint ?? '(endpoint not known)'} or the cluster is named ${s.target.arn})`;
      }
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
    else if (step.kind === 'verify-kube-context') await verifyKubeContext(step);
    else if (step.kind === 'write-namespace') await writeFile(step.path, namespaceManifest(step.namespace), { mode: 0o600 });
    else {
      const outputs = stackOutputs(JSON.parse(await readFile(step.outputsFile, 'utf8')), step.stackName);
      await writeFile(step.valuesFile, renderValuesSnippet(outputs), { mode: 0o600 });
    }
  }
}

type VerifyStep = Extract<PlanStep, { kind: 'verify-kube-context' }>;
/** Runs the step's argv and returns its stdout (a failed command rejects with its stderr). */
export type Capture = (argv: string[]) => Promise<string>;
const capture: Capture = async ([cmd, ...args]) => (await promisify(execFile)(cmd as string, args, { timeout: 30_000 })).stdout;

/** Throws DeployStopped unless kubectl's context is the step's cluster. */
export async function verifyKubeContext(step: VerifyStep, exec: Capture = capture): Promise<void> {
  let out: string;
  try {
    out = await exec(step.argv);
  } catch (e) {
    const detail = (e as { stderr?: string }).stderr?.trim() || (e instanceof Error ? e.message : String(e));
    throw new DeployStopped(`could not read the kube context (${detail}); nothing was installed. Run \`aws eks update-kubeconfig --region ${step.target.region} --name ${step.target.cluster}\`, or pass --kube-context.`);
  }
  const why = kubeContextMismatch(out, step.target, step.kubeContext);
  if (why) throw new DeployStopped(why);
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
    ...(c.gateway ? gatewayInstructions(c) : []),
    'See docs/connect-agents.md.',
    '',
  ].filter((l) => l !== '').join('\n').concat('\n');
}

/** After deploy --gateway: what is left to do by hand (RBAC for the gateway's group, the target URL). */
function gatewayInstructions(c: DeployChoices): string[] {
  const ns = c.namespace;
  const steps = c.gatewayTargetUrl
    ? [`AgentCore gateway: agents use the GatewayUrl output, with a token from GatewayTokenUrl for the GatewayClientId client (secret: aws cognito-idp describe-user-pool-client).`]
    : ['AgentCore gateway: created without a target; once the Ingress serves https, run deploy again with --gateway-target-url https://<host>/mcp.'];
  return [
    ...steps,
    `  The hub accepts the gateway's calls as group ${GATEWAY_GROUP} (server.oidc); grant it what agents may do, e.g.:`,
    `  kubectl -n ${ns} create role enlm-mcp-read --verb=get,list --resource=nodelogcollections.eksnodelog.io,packetcaptures.eksnodelog.io`,
    `  kubectl -n ${ns} create rolebinding enlm-gateway-read --role=enlm-mcp-read --group=${GATEWAY_GROUP}`,
    '  Only the hub side of this path is tested by this project, not AWS itself (docs/connect-agents.md §3).',
  ];
}
