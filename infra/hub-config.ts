import { z } from 'zod';

/**
 * What the hub stack is configured with. It arrives as CDK context (`-c key=value`, strings) from
 * `eks-node-log-mcp deploy` or by hand, so every field is validated here once, with messages that
 * say what to pass.
 */
const roleArn = z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, 'an IAM role ARN');
const oidcProviderArn = z
  .string()
  .regex(/^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/[\w./-]+$/, 'an IAM OIDC provider ARN (arn:aws:iam::<account>:oidc-provider/oidc.eks.<region>.amazonaws.com/id/<id>)');
const k8sName = z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'a DNS-1123 label');
const days = z.coerce.number().int().min(1).max(3650);
const bool = z.union([z.boolean(), z.enum(['true', 'false']).transform((s) => s === 'true')]);
const csv = z.union([z.array(z.string()), z.string().transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))]);

export const HubConfigSchema = z
  .object({
    /** EKS cluster name; absent: a CloudFormation parameter (so `cdk synth` works with no context). */
    clusterName: z.string().regex(/^[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$/, 'an EKS cluster name').optional(),
    namespace: k8sName.default('eks-node-log-mcp'),
    releaseName: k8sName.default('eks-node-log-mcp'),
    identity: z.enum(['irsa', 'pod-identity']).default('pod-identity'),
    oidcProviderArn: oidcProviderArn.optional(),
    ssmEnabled: bool.default(false),
    nodeRoleArns: csv.pipe(z.array(roleArn)).default([]),
    /** Key prefix of the store inside the bucket (the chart's storage.s3.prefix). */
    storePrefix: z.string().regex(/^([\w.-]+(\/[\w.-]+)*)?$/, 'a key prefix without leading/trailing slash').default(''),
    bundleRetentionDays: days.default(90),
    captureRetentionDays: days.default(30),
    resultRetentionDays: days.default(7),
    noncurrentRetentionDays: days.default(30),
    removalPolicy: z.enum(['retain', 'destroy']).default('retain'),
    accessLogs: bool.default(true),
    gateway: bool.default(false),
    /** Public HTTPS URL of the MCP endpoint (the chart's Ingress) the AgentCore gateway forwards to. */
    gatewayTargetUrl: z.string().url().refine((u) => u.startsWith('https://'), 'an https:// URL').optional(),
  })
  .superRefine((c, ctx) => {
    if (c.identity === 'irsa' && !c.oidcProviderArn) {
      ctx.addIssue({ code: 'custom', path: ['oidcProviderArn'], message: 'identity=irsa needs oidcProviderArn (aws eks describe-cluster … identity.oidc.issuer)' });
    }
    if (c.nodeRoleArns.length > 0 && !c.ssmEnabled) {
      ctx.addIssue({ code: 'custom', path: ['nodeRoleArns'], message: 'node roles are granted only for the SSM method: set ssmEnabled=true or drop nodeRoleArns' });
    }
    if (c.gatewayTargetUrl && !c.gateway) {
      ctx.addIssue({ code: 'custom', path: ['gatewayTargetUrl'], message: 'gatewayTargetUrl needs gateway=true' });
    }
  });

export type HubConfig = z.infer<typeof HubConfigSchema>;
export type HubConfigInput = z.input<typeof HubConfigSchema>;

/** The Helm chart's object-name prefix for a release (its `enlm.fullname` helper). */
export function chartFullname(releaseName: string): string {
  const name = 'eks-node-log-mcp';
  const full = releaseName.includes(name) ? releaseName : `${releaseName}-${name}`;
  return full.slice(0, 54).replace(/-+$/, '');
}

/** ServiceAccount names the chart gives the operator and the hub. */
export function serviceAccountNames(c: Pick<HubConfig, 'releaseName'>): { operator: string; server: string } {
  const full = chartFullname(c.releaseName);
  return { operator: `${full}-operator`, server: `${full}-server` };
}

/** OIDC issuer host/path of an IAM OIDC provider ARN (the condition-key prefix of IRSA trust). */
export function issuerOf(oidcProviderArn: string): string {
  const i = oidcProviderArn.indexOf(':oidc-provider/');
  if (i < 0) throw new Error('not an OIDC provider ARN');
  return oidcProviderArn.slice(i + ':oidc-provider/'.length);
}
