import { DescribeRegionsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import {
  DescribeClusterCommand,
  DescribeNodegroupCommand,
  type EKSClient,
  paginateListClusters,
  paginateListNodegroups,
} from '@aws-sdk/client-eks';

/**
 * What `eks-node-log-mcp deploy` finds in an AWS account: enabled regions, the EKS clusters of a
 * region, a cluster's OIDC issuer (for IRSA) and the instance roles of its node groups (for the SSM
 * method). Clients come from a factory so the same code runs against AWS and against moto.
 */
export interface DiscoveryClients {
  eks(region: string): EKSClient;
  ec2(region: string): EC2Client;
}

export interface ClusterInfo {
  name: string;
  region: string;
  arn: string;
  version?: string;
  /** the API server URL (absent while the cluster is being created) */
  endpoint?: string;
  /** https://oidc.eks.<region>.amazonaws.com/id/<id>, when the cluster has one */
  oidcIssuer?: string;
  /** the IAM OIDC provider ARN IRSA trusts (it must exist in IAM: eksctl utils associate-iam-oidc-provider) */
  oidcProviderArn?: string;
}

export interface NodeRole {
  nodegroup: string;
  roleArn: string;
}

/** Regions enabled for the account (opt-in regions only when opted in). */
export async function listEnabledRegions(c: DiscoveryClients, from: string): Promise<string[]> {
  const res = await c.ec2(from).send(new DescribeRegionsCommand({ AllRegions: false }));
  return (res.Regions ?? []).map((r) => r.RegionName).filter((r): r is string => !!r).sort();
}

export async function listClusters(c: DiscoveryClients, region: string): Promise<string[]> {
  const names: string[] = [];
  for await (const page of paginateListClusters({ client: c.eks(region) }, {})) names.push(...(page.clusters ?? []));
  return names.sort();
}

/** Clusters of several regions; a region that fails (e.g. not enabled for EKS) is reported, not fatal. */
export async function listClustersIn(
  c: DiscoveryClients,
  regions: string[],
): Promise<{ clusters: { region: string; name: string }[]; failed: { region: string; error: string }[] }> {
  const results = await Promise.allSettled(regions.map(async (region) => ({ region, names: await listClusters(c, region) })));
  const clusters: { region: string; name: string }[] = [];
  const failed: { region: string; error: string }[] = [];
  results.forEach((r, i) => {
    if (r.status === 'fulfilled') clusters.push(...r.value.names.map((name) => ({ region: r.value.region, name })));
    else failed.push({ region: regions[i] as string, error: r.reason instanceof Error ? r.reason.name : 'error' });
  });
  return { clusters, failed };
}

export async function describeCluster(c: DiscoveryClients, region: string, name: string): Promise<ClusterInfo> {
  const { cluster } = await c.eks(region).send(new DescribeClusterCommand({ name }));
  if (!cluster?.arn) throw new Error(`cluster ${name} in ${region} has no ARN`);
  const issuer = cluster.identity?.oidc?.issuer;
  return {
    name,
    region,
    arn: cluster.arn,
    version: cluster.version,
    endpoint: cluster.endpoint,
    oidcIssuer: issuer,
    oidcProviderArn: issuer ? oidcProviderArnFor(cluster.arn, issuer) : undefined,
  };
}

/** arn:<partition>:eks:<region>:<account>:cluster/<name> + issuer URL → IAM OIDC provider ARN. */
export function oidcProviderArnFor(clusterArn: string, issuer: string): string {
  const m = /^arn:(aws[a-z-]*):eks:[^:]+:(\d{12}):cluster\//.exec(clusterArn);
  if (!m) throw new Error(`not an EKS cluster ARN: ${clusterArn}`);
  return `arn:${m[1]}:iam::${m[2]}:oidc-provider/${issuer.replace(/^https:\/\//, '')}`;
}

/** Instance roles of every managed node group of a cluster, one entry per distinct role. */
export async function listNodeRoles(c: DiscoveryClients, region: string, cluster: string): Promise<NodeRole[]> {
  const eks = c.eks(region);
  const groups: string[] = [];
  for await (const page of paginateListNodegroups({ client: eks }, { clusterName: cluster })) groups.push(...(page.nodegroups ?? []));
  const roles = new Map<string, NodeRole>();
  for (const nodegroupName of groups.sort()) {
    const { nodegroup } = await eks.send(new DescribeNodegroupCommand({ clusterName: cluster, nodegroupName }));
    const roleArn = nodegroup?.nodeRole;
    if (roleArn && !roles.has(roleArn)) roles.set(roleArn, { nodegroup: nodegroupName, roleArn });
  }
  return [...roles.values()];
}
