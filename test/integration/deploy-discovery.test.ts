import { randomUUID } from 'node:crypto';
import { EC2Client } from '@aws-sdk/client-ec2';
import { CreateClusterCommand, CreateNodegroupCommand, DeleteClusterCommand, DeleteNodegroupCommand, EKSClient } from '@aws-sdk/client-eks';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { resolveChoices } from '../../cli/commands/deploy-command.js';
import { type DiscoveryClients, describeCluster, listClusters, listClustersIn, listEnabledRegions, listNodeRoles } from '../../infra/deploy/discover.js';

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
});
