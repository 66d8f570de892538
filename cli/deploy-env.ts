import { z } from 'zod';

/**
 * Environment equivalents of deploy's non-interactive flags, for pipelines that set variables rather
 * than build argument lists. A flag on the command line wins over its variable. EKS_NODE_ROLE_ARNS
 * keeps the name the seed's deploy.sh read; the image is EKS_NLM_IMAGE (cli/config.ts), the same
 * "image of this product" the operator reads. --yes has no variable: approving IAM changes stays an
 * explicit act on the command line. Empty variables count as unset.
 */
const unsetIfEmpty = (v: unknown) => (v === '' ? undefined : v);
const DeployEnvSchema = z.object({
  EKS_NLM_REGION: z.preprocess(unsetIfEmpty, z.string().optional()).describe('--region: a region, "current" or "all"'),
  EKS_NLM_CLUSTER: z.preprocess(unsetIfEmpty, z.string().optional()).describe('--cluster'),
  EKS_NLM_IDENTITY: z.preprocess(unsetIfEmpty, z.enum(['pod-identity', 'irsa']).optional()).describe('--identity'),
  EKS_NLM_SSM: z.preprocess(unsetIfEmpty, z.enum(['true', 'false']).optional()).describe('--ssm (true) or --no-ssm (false)'),
  EKS_NODE_ROLE_ARNS: z.preprocess(unsetIfEmpty, z.string().optional()).describe('--node-role, comma-separated'),
  EKS_NLM_KUBE_CONTEXT: z.preprocess(unsetIfEmpty, z.string().optional()).describe('--kube-context'),
  EKS_NLM_NAMESPACE: z.preprocess(unsetIfEmpty, z.string().optional()).describe('--namespace'),
  EKS_NLM_RELEASE: z.preprocess(unsetIfEmpty, z.string().optional()).describe('--release'),
});

export interface DeployEnv {
  region?: string;
  cluster?: string;
  identity?: 'pod-identity' | 'irsa';
  ssm?: boolean;
  nodeRoleArns?: string[];
  kubeContext?: string;
  namespace?: string;
  release?: string;
}

/** Throws with the variable's name when one is malformed (only `deploy` calls this, so other commands never trip on it). */
export function parseDeployEnv(env: Record<string, string | undefined>): DeployEnv {
  const r = DeployEnvSchema.safeParse(env);
  if (!r.success) throw new Error(`deploy environment: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const e = r.data;
  const roles = e.EKS_NODE_ROLE_ARNS?.split(',').map((s) => s.trim()).filter(Boolean);
  return {
    region: e.EKS_NLM_REGION, cluster: e.EKS_NLM_CLUSTER, identity: e.EKS_NLM_IDENTITY,
    ssm: e.EKS_NLM_SSM === undefined ? undefined : e.EKS_NLM_SSM === 'true',
    nodeRoleArns: roles?.length ? roles : undefined,
    kubeContext: e.EKS_NLM_KUBE_CONTEXT, namespace: e.EKS_NLM_NAMESPACE, release: e.EKS_NLM_RELEASE,
  };
}

/** deploy's flags as commander parsed them; `ssm` only when given on the command line. */
export interface DeployFlags {
  region?: string;
  cluster?: string;
  identity?: 'pod-identity' | 'irsa';
  ssm?: boolean;
  nodeRole?: string[];
  kubeContext?: string;
  namespace?: string;
  release?: string;
  image?: string;
}

/** Each flag, else its variable, else the default (namespace and release: eks-node-log-mcp). */
export function withDeployEnv<F extends DeployFlags>(flags: F, env: DeployEnv, image: string | undefined): F & { namespace: string; release: string } {
  return {
    ...flags,
    region: flags.region ?? env.region,
    cluster: flags.cluster ?? env.cluster,
    identity: flags.identity ?? env.identity,
    ssm: flags.ssm ?? env.ssm,
    nodeRole: flags.nodeRole ?? env.nodeRoleArns,
    kubeContext: flags.kubeContext ?? env.kubeContext,
    namespace: flags.namespace ?? env.namespace ?? 'eks-node-log-mcp',
    release: flags.release ?? env.release ?? 'eks-node-log-mcp',
    image: flags.image ?? image,
  };
}
