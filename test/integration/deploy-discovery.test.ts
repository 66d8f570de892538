import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EC2Client } from '@aws-sdk/client-ec2';
import { CreateClusterCommand, CreateNodegroupCommand, DeleteClusterCommand, DeleteNodegroupCommand, EKSClient } from '@aws-sdk/client-eks';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Capture, DeployStopped, resolveChoices, verifyKubeContext } from '../../cli/commands/deploy-command.js';
import { parseDeployEnv, withDeployEnv } from '../../cli/deploy-env.js';
import { type DiscoveryClients, describeCluster, listClusters, listClustersIn, listEnabledRegions, listNodeRoles } from '../../infra/deploy/discover.js';
import { buildDeployPlan, type DeployChoices } from '../../infra/deploy/plan.js';
import { ensureKubeBinaries } from '../env/kube.js';

// The discovery of `eks-node-log-mcp deploy` against a real EKS/EC2 API surface (moto): clusters and
// node groups are created through the same SDK, then found again by the discovery code.
const creds = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const clients: DiscoveryClients = {
  eks: (region) => new EKSClient({ region, endpoint: inject('motoEndpoint'), credentials: creds }),
  ec2: (region) => new EC2Client({ region, endpoint: inject('motoEndpoint'), credentials: creds }),
};
const REGION = 'eu-west-3';
const OTHER = 'ap-southeast-2';
const suffix = randomUUID().slice(0, 6);
const CLUSTER = `prod-${suffix}`;
const OTHER_CLUSTER = `edge-${suffix}`;
const STAGE_CLUSTER = `stage-${suffix}`;
const roleA = `arn:aws:iam::123456789012:role/nodes-a-${suffix}`;
const roleB = `arn:aws:iam::123456789012:role/nodes-b-${suffix}`;
const vpc = { subnetIds: ['subnet-11111111', 'subnet-22222222'] };

async function makeCluster(region: string, name: string, groups: [string, string][]) {
  const eks = clients.eks(region);
  await eks.send(new CreateClusterCommand({ name, roleArn: 'arn:aws:iam::123456789012:role/eks-cluster', resourcesVpcConfig: vpc }));
  for (const [nodegroupName, nodeRole] of groups) {
    await eks.send(new CreateNodegroupCommand({ clusterName: name, nodegroupName, nodeRole, subnets: vpc.subnetIds }));
  }
}

describe('deploy discovery on moto (EKS ListClusters/DescribeCluster/ListNodegroups/DescribeNodegroup)', () => {
  beforeAll(async () => {
    // Two node groups share role A: the grant list must name each role once.
    await makeCluster(REGION, CLUSTER, [['ng-a1', roleA], ['ng-a2', roleA], ['ng-b', roleB]]);
    await makeCluster(OTHER, OTHER_CLUSTER, [['ng-edge', roleB]]);
    await makeCluster(REGION, STAGE_CLUSTER, []);
  });
  afterAll(async () => {
    for (const [region, name, groups] of [[REGION, CLUSTER, ['ng-a1', 'ng-a2', 'ng-b']], [OTHER, OTHER_CLUSTER, ['ng-edge']], [REGION, STAGE_CLUSTER, []]] as const) {
      const eks = clients.eks(region);
      for (const g of groups) await eks.send(new DeleteNodegroupCommand({ clusterName: name, nodegroupName: g })).catch(() => undefined);
      await eks.send(new DeleteClusterCommand({ name })).catch(() => undefined);
    }
  });

  it('lists the clusters of a region and only of that region', async () => {
    const names = await listClusters(clients, REGION);
    expect(names).toContain(CLUSTER);
    expect(names).toContain(STAGE_CLUSTER);
    expect(names).not.toContain(OTHER_CLUSTER);
  });

  it('finds clusters across several regions, tagged with their region', async () => {
    const { clusters, failed } = await listClustersIn(clients, [REGION, OTHER]);
    expect(failed).toEqual([]);
    expect(clusters).toContainEqual({ region: REGION, name: CLUSTER });
    expect(clusters).toContainEqual({ region: OTHER, name: OTHER_CLUSTER });
  });

  it('lists the enabled regions of the account', async () => {
    const regions = await listEnabledRegions(clients, REGION);
    expect(regions).toContain(REGION);
    expect(regions).toContain(OTHER);
  });

  it('returns each node-group instance role once, with a node group that uses it', async () => {
    const roles = await listNodeRoles(clients, REGION, CLUSTER);
    expect(roles).toEqual([
      { nodegroup: 'ng-a1', roleArn: roleA },
      { nodegroup: 'ng-b', roleArn: roleB },
    ]);
  });

  it("derives the IAM OIDC provider ARN for IRSA from the cluster's issuer and account", async () => {
    const info = await describeCluster(clients, REGION, CLUSTER);
    expect(info.oidcIssuer).toMatch(/^https:\/\//);
    expect(info.oidcProviderArn).toBe(`arn:aws:iam::${info.arn.split(':')[4]}:oidc-provider/${info.oidcIssuer?.replace('https://', '')}`);
  });

  it('non-interactive: flags pick region and cluster, and SSM grants every discovered node role', async () => {
    const noAsk = async (q: string): Promise<string> => {
      throw new Error(`asked: ${q}`);
    };
    const c = await resolveChoices(
      { region: REGION, cluster: CLUSTER, identity: 'irsa', ssm: true, namespace: 'obs', release: 'nlm', interactive: false },
      clients, noAsk,
    );
    expect(c).toMatchObject({ region: REGION, cluster: CLUSTER, identity: 'irsa', ssmEnabled: true, nodeRoleArns: [roleA, roleB] });
    expect(c.oidcProviderArn).toMatch(/^arn:aws:iam::\d{12}:oidc-provider\//);
  });

  it('interactive: the operator picks the cluster from the discovered list and a subset of node roles', async () => {
    const asked: string[] = [];
    const answers = new Map<RegExp, (choices: string[]) => string>([
      [/^Cluster/, (ch) => ch.find((x) => x.startsWith(CLUSTER)) as string],
      [/credentials/, () => 'pod-identity'],
      [/SSM collection/, () => 'yes'],
      [/Node roles/, () => '2'],
    ]);
    const ask = async (q: string, choices: string[]) => {
      asked.push(q.split('\n')[0] as string);
      for (const [re, a] of answers) if (re.test(q)) return a(choices);
      throw new Error(`unexpected question: ${q}`);
    };
    const c = await resolveChoices({ region: REGION, namespace: 'obs', release: 'nlm', interactive: true }, clients, ask);
    expect(c).toMatchObject({ cluster: CLUSTER, identity: 'pod-identity', ssmEnabled: true, nodeRoleArns: [roleB] });
    expect(asked[0]).toBe('Cluster');
  });

  it('asks nothing about node roles when SSM is off, and grants none', async () => {
    const c = await resolveChoices(
      { region: REGION, cluster: CLUSTER, identity: 'pod-identity', ssm: false, namespace: 'obs', release: 'nlm', interactive: false },
      clients, async (q) => { throw new Error(`asked: ${q}`); },
    );
    expect(c.nodeRoleArns).toEqual([]);
  });

  it('non-interactive without a cluster in a region that has several: fails naming what to pass', async () => {
    await expect(
      resolveChoices({ region: REGION, identity: 'pod-identity', ssm: false, namespace: 'obs', release: 'nlm', interactive: false }, clients, async (q) => {
        throw new Error(`${q}: not given and not interactive`);
      }),
    ).rejects.toThrow(/Cluster: not given and not interactive/);
  });

  const noAsk = async (q: string): Promise<string> => {
    throw new Error(`asked: ${q}`);
  };
  const roleK = `arn:aws:iam::123456789012:role/karpenter-nodes-${suffix}`;

  it('SSM on a cluster without managed node groups (Karpenter, self-managed), no roles given: grants none and warns what fails and which flag or variable fixes it', async () => {
    const warnings: string[] = [];
    const c = await resolveChoices(
      { region: REGION, cluster: STAGE_CLUSTER, identity: 'pod-identity', ssm: true, namespace: 'obs', release: 'nlm', interactive: false },
      clients, noAsk, (m) => warnings.push(m),
    );
    expect(c.nodeRoleArns).toEqual([]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`cluster ${STAGE_CLUSTER} has no managed node group, so no node role was found and none is granted`);
    expect(warnings[0]).toContain('will fail to upload');
    expect(warnings[0]).toContain('--node-role <arn> (repeatable) or EKS_NODE_ROLE_ARNS=<arn>,<arn>');
  });

  it('SSM on a cluster without managed node groups: the roles in EKS_NODE_ROLE_ARNS are granted, without a warning', async () => {
    const warnings: string[] = [];
    const env = parseDeployEnv({ EKS_NLM_REGION: REGION, EKS_NLM_CLUSTER: STAGE_CLUSTER, EKS_NLM_IDENTITY: 'pod-identity', EKS_NLM_SSM: 'true', EKS_NODE_ROLE_ARNS: `${roleK},${roleB}` });
    const c = await resolveChoices({ ...withDeployEnv({}, env, undefined), interactive: false }, clients, noAsk, (m) => warnings.push(m));
    expect(c).toMatchObject({ cluster: STAGE_CLUSTER, ssmEnabled: true, nodeRoleArns: [roleK, roleB], namespace: 'eks-node-log-mcp' });
    expect(warnings).toEqual([]);
    // and they reach the CDK context that grants them
    const cdk = buildDeployPlan(c, { repoRoot: '/repo', workDir: '/tmp/x' }).steps.find((st) => st.kind === 'exec' && st.argv[1] === 'deploy');
    expect(cdk?.kind === 'exec' && cdk.argv).toContain(`nodeRoleArns=${roleK},${roleB}`);
  });

  it('interactive, no managed node groups: asks for the nodes\' role ARNs and grants what is typed; refuses what is not a role ARN', async () => {
    const asked: string[] = [];
    const answer = (typed: string) => async (q: string) => {
      asked.push(q);
      if (/no managed node groups/.test(q)) return typed;
      throw new Error(`unexpected question: ${q}`);
    };
    const o = { region: REGION, cluster: STAGE_CLUSTER, identity: 'pod-identity' as const, ssm: true, namespace: 'obs', release: 'nlm', interactive: true };
    const c = await resolveChoices(o, clients, answer(` ${roleK} `), () => undefined);
    expect(c.nodeRoleArns).toEqual([roleK]);
    expect(asked[0]).toMatch(new RegExp(`^Cluster ${STAGE_CLUSTER} has no managed node groups \\(Karpenter or self-managed nodes\\?\\)`));
    await expect(resolveChoices(o, clients, answer('karpenter-nodes'), () => undefined)).rejects.toThrow(/not an IAM role ARN .*: karpenter-nodes/);
  });

  it('SSM off: node roles given anyway are not granted, and the operator is told so', async () => {
    const warnings: string[] = [];
    const c = await resolveChoices(
      { region: REGION, cluster: CLUSTER, identity: 'pod-identity', ssm: false, nodeRole: [roleK], namespace: 'obs', release: 'nlm', interactive: false },
      clients, noAsk, (m) => warnings.push(m),
    );
    expect(c.nodeRoleArns).toEqual([]);
    expect(warnings).toEqual([expect.stringMatching(/ignored: they are only granted with the SSM method/)]);
  });

  describe('kube context check (the plan\'s first step, run with the real kubectl on a kubeconfig)', () => {
    let dir = '';
    let kubectl = '';
    let prod: DeployChoices;
    let edgeEndpoint = '';
    beforeAll(async () => {
      kubectl = join(await ensureKubeBinaries(), 'kubectl');
      dir = await mkdtemp(join(tmpdir(), 'enlm-kubecfg-'));
      prod = await resolveChoices({ region: REGION, cluster: CLUSTER, identity: 'pod-identity', ssm: false, namespace: 'obs', release: 'nlm', interactive: false }, clients, noAsk);
      // The other cluster is in another region: moto gives every cluster of a region one endpoint.
      const edge = await describeCluster(clients, OTHER, OTHER_CLUSTER);
      edgeEndpoint = edge.endpoint as string;
      expect(edgeEndpoint).not.toBe(prod.clusterEndpoint);
      // Two contexts as `aws eks update-kubeconfig` writes them, but the prod one under a hand-made
      // cluster name, so only its server can match.
      const cluster = (name: string, server: string) => `- name: ${name}\n  cluster:\n    server: ${server}\n    insecure-skip-tls-verify: true\n`;
      const context = (name: string, c: string) => `- name: ${name}\n  context:\n    cluster: ${c}\n    user: u\n`;
      await writeFile(join(dir, 'config'), [
        'apiVersion: v1', 'kind: Config', 'current-context: edge-admin', 'clusters:',
        cluster('prod-by-hand', prod.clusterEndpoint as string) + cluster(edge.arn, edgeEndpoint).trimEnd(),
        'contexts:', context('prod-admin', 'prod-by-hand') + context('edge-admin', edge.arn).trimEnd(),
        'users:', '- name: u', '  user:', '    token: not-a-secret', '',
      ].join('\n'));
    });
    afterAll(async () => {
      if (dir) await rm(dir, { recursive: true, force: true });
    });
    const realKubectl: Capture = async ([, ...args]) =>
      (await promisify(execFile)(kubectl, args, { env: { KUBECONFIG: join(dir, 'config'), PATH: process.env.PATH ?? '' } })).stdout;
    const firstStep = (c: DeployChoices) => {
      const step = buildDeployPlan(c, { repoRoot: '/repo', workDir: '/tmp/x' }).steps[0];
      if (step?.kind !== 'verify-kube-context') throw new Error(`first step is ${step?.kind}`);
      return step;
    };

    it('passes when the context\'s server is the endpoint DescribeCluster returns for the chosen cluster', async () => {
      expect(prod.clusterEndpoint).toMatch(/^https:\/\//);
      expect(prod.clusterArn).toMatch(new RegExp(`:cluster/${CLUSTER}$`));
      await expect(verifyKubeContext(firstStep({ ...prod, kubeContext: 'prod-admin' }), realKubectl)).resolves.toBeUndefined();
    });

    it('stops when the current context is another cluster, naming it, the chosen one and how to switch', async () => {
      const err = await verifyKubeContext(firstStep(prod), realKubectl).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DeployStopped);
      const msg = (err as Error).message;
      expect(msg).toContain(`the current kube context points at ${edgeEndpoint} (cluster arn:aws:eks:${OTHER}:`);
      expect(msg).toContain(`not at EKS cluster ${CLUSTER} in ${REGION} (${prod.clusterEndpoint}, ${prod.clusterArn}); nothing was installed`);
      expect(msg).toContain(`aws eks update-kubeconfig --region ${REGION} --name ${CLUSTER}`);
    });

    it('stops when the named context does not exist, with kubectl\'s reason', async () => {
      const err = await verifyKubeContext(firstStep({ ...prod, kubeContext: 'nope' }), realKubectl).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DeployStopped);
      expect((err as Error).message).toMatch(/could not read the kube context \(.*nope.*\); nothing was installed/);
    });
  });
});
