import { stringify } from 'yaml';
import { z } from 'zod';
import { GATEWAY_GROUP } from './agent-gateway.js';
import { OUTPUT } from './hub-stack.js';

/** The hub stack's outputs as `cdk deploy --outputs-file` writes them for one stack. */
const OutputsSchema = z.object({
  [OUTPUT.bucket]: z.string().min(3),
  [OUTPUT.kmsKeyArn]: z.string().startsWith('arn:'),
  [OUTPUT.region]: z.string().min(1),
  [OUTPUT.storePrefix]: z.string(),
  [OUTPUT.hubRoleArn]: z.string().startsWith('arn:'),
  [OUTPUT.operatorRoleArn]: z.string().startsWith('arn:'),
  [OUTPUT.identity]: z.enum(['irsa', 'pod-identity']),
  [OUTPUT.ssmEnabled]: z.enum(['true', 'false']),
  // present only when the stack enables SSM
  [OUTPUT.ssmAutomationRoleArn]: z.string().startsWith('arn:').optional(),
  // present only when the stack creates the AgentCore gateway
  [OUTPUT.gatewayIssuer]: z.string().startsWith('https://cognito-idp.').optional(),
  [OUTPUT.gatewayHubClientId]: z.string().min(1).optional(),
});
export type HubOutputs = z.infer<typeof OutputsSchema>;

const IRSA_ANNOTATION = 'eks.amazonaws.com/role-arn';

/** Picks the one stack's outputs out of an outputs file ({ stackName: { key: value } }). */
export function stackOutputs(file: unknown, stackName: string): Record<string, string> {
  const all = z.record(z.string(), z.record(z.string(), z.string())).parse(file);
  const mine = all[stackName];
  if (!mine) throw new Error(`outputs file has no stack ${stackName} (found: ${Object.keys(all).join(', ') || 'none'})`);
  return mine;
}

/**
 * Renders the hub stack's outputs as Helm values for the chart (charts/eks-node-log-mcp): S3 store
 * with the KMS key, the region, the SSM switch and automation role, and — with IRSA — the role annotation on each
 * ServiceAccount (Pod Identity needs none: the stack created the associations). With the AgentCore
 * gateway, `server.oidc` makes the hub accept the gateway's Cognito client (its calls arrive as
 * `oidc:<client id>` in the group eks-node-log-mcp:gateway, which a RoleBinding must still grant).
 */
export function renderValuesSnippet(outputs: Record<string, string>): string {
  const parsed = OutputsSchema.safeParse(outputs);
  if (!parsed.success) {
    const missing = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`hub stack outputs are incomplete or invalid (${missing})`);
  }
  const o = parsed.data;
  const prefix = o[OUTPUT.storePrefix] === '-' ? '' : o[OUTPUT.storePrefix];
  const irsa = o[OUTPUT.identity] === 'irsa';
  const sa = (arn: string) => ({ serviceAccount: { annotations: irsa ? { [IRSA_ANNOTATION]: arn } : {} } });
  const values = {
    awsRegion: o[OUTPUT.region],
    storage: {
      type: 's3',
      s3: { bucket: o[OUTPUT.bucket], prefix: prefix, region: o[OUTPUT.region], kmsKeyId: o[OUTPUT.kmsKeyArn] },
    },
    operator: {
      ssm: { enabled: o[OUTPUT.ssmEnabled] === 'true', ...(o[OUTPUT.ssmAutomationRoleArn] ? { automationRoleArn: o[OUTPUT.ssmAutomationRoleArn] } : {}) },
      ...sa(o[OUTPUT.operatorRoleArn]),
    },
    server: {
      ...sa(o[OUTPUT.hubRoleArn]),
      ...(o[OUTPUT.gatewayIssuer] && o[OUTPUT.gatewayHubClientId]
        ? { oidc: { enabled: true, issuer: o[OUTPUT.gatewayIssuer], clientIds: [o[OUTPUT.gatewayHubClientId]], groups: [GATEWAY_GROUP] } }
        : {}),
    },
  };
  return `# Rendered from the eks-node-log-mcp hub stack outputs (infra/values-snippet.ts).\n${stringify(values)}`;
}
