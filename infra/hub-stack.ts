import { Aws, CfnOutput, CfnParameter, RemovalPolicy, Stack, type StackProps, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { AgentGateway, GATEWAY_STATUS } from './agent-gateway.js';
import { type HubConfig, serviceAccountNames } from './hub-config.js';
import { HubStorage } from './hub-storage.js';
import { SsmAccess } from './ssm-access.js';
import { ackWildcards } from './nag-ack.js';
import { type WorkloadIdentity, WorkloadRole } from './workload-role.js';

/** Output keys; infra/values-snippet.ts turns them into Helm values. */
export const OUTPUT = {
  bucket: 'BucketName',
  kmsKeyArn: 'KmsKeyArn',
  region: 'Region',
  operatorRoleArn: 'OperatorRoleArn',
  hubRoleArn: 'HubRoleArn',
  identity: 'IdentityMode',
  ssmEnabled: 'SsmEnabled',
  ssmAutomationRoleArn: 'SsmAutomationRoleArn',
  storePrefix: 'StorePrefix',
  gatewayUrl: 'GatewayUrl',
  gatewayTokenUrl: 'GatewayTokenUrl',
  gatewayClientId: 'GatewayClientId',
  gatewayUserPoolId: 'GatewayUserPoolId',
  gatewayIssuer: 'GatewayIssuer',
  gatewayHubClientId: 'GatewayHubClientId',
} as const;

export interface HubStackProps extends StackProps {
  config: HubConfig;
}

/**
 * The hub's AWS side (issue 7, item 2): KMS key + bucket, IAM roles for the operator and the hub
 * (IRSA or Pod Identity), SSM grants only when the SSM method is on, and the optional AgentCore
 * gateway. Env-agnostic and lookup-free, so `cdk synth` runs offline.
 */
export class HubStack extends Stack {
  readonly storage: HubStorage;
  readonly operatorRole: iam.Role;
  readonly hubRole: iam.Role;
  readonly ssm?: SsmAccess;
  readonly gateway?: AgentGateway;

  constructor(scope: Construct, id: string, props: HubStackProps) {
    super(scope, id, props);
    const c = props.config;
    // Access logs through a bucket policy rather than the legacy LogDeliveryWrite ACL (no ACLs).
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);

    // Only Pod Identity associations and the SSM grants name the cluster; without context the name
    // becomes a parameter, so the template stays env-agnostic and synthesises offline.
    const needsCluster = c.identity === 'pod-identity' || c.ssmEnabled;
    const clusterName =
      c.clusterName ??
      (needsCluster ? new CfnParameter(this, 'ClusterName', { type: 'String', description: 'EKS cluster the hub serves', allowedPattern: '^[0-9A-Za-z][A-Za-z0-9\\-_]{0,99}$' }).valueAsString : 'unnamed');
    const removalPolicy = c.removalPolicy === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;

    this.storage = new HubStorage(this, 'Storage', {
      aliasName: c.clusterName ?? 'hub',
      storePrefix: c.storePrefix,
      bundleRetentionDays: c.bundleRetentionDays,
      captureRetentionDays: c.captureRetentionDays,
      resultRetentionDays: c.resultRetentionDays,
      noncurrentRetentionDays: c.noncurrentRetentionDays,
      removalPolicy,
      accessLogs: c.accessLogs,
    });
    const { bucket, key } = this.storage;

    const identity: WorkloadIdentity =
      c.identity === 'irsa' ? { mode: 'irsa', oidcProviderArn: c.oidcProviderArn as string } : { mode: 'pod-identity', clusterName };
    const sa = serviceAccountNames(c);
    this.hubRole = new WorkloadRole(this, 'Hub', {
      identity, namespace: c.namespace, serviceAccount: sa.server, description: 'eks-node-log-mcp hub: reads and writes the store',
    }).role;
    this.operatorRole = new WorkloadRole(this, 'Operator', {
      identity, namespace: c.namespace, serviceAccount: sa.operator, description: 'eks-node-log-mcp operator: SSM collection method',
    }).role;

    // The hub owns the store: read, write, delete (TTL clean-up), with the key for SSE-KMS.
    bucket.grantReadWrite(this.hubRole);
    bucket.grantDelete(this.hubRole);
    Validations.of(this.hubRole).acknowledge(
      ...[
        'Action::s3:GetObject*', 'Action::s3:GetBucket*', 'Action::s3:List*', 'Action::s3:DeleteObject*', 'Action::s3:Abort*',
        'Action::kms:GenerateDataKey*', 'Action::kms:ReEncrypt*',
        `Resource::<${this.getLogicalId(bucket.node.defaultChild as never)}.Arn>/*`,
      ].map((f) => ({
        id: `AwsSolutions-IAM5[${f}]`,
        reason: 'The hub is the store: it reads, writes and expires every key of its own bucket (bundles/, captures/, results/, baselines/) with its own KMS key; the grant names that bucket and key only.',
      })),
    );

    if (c.ssmEnabled) {
      this.ssm = new SsmAccess(this, 'Ssm', {
        operatorRole: this.operatorRole, bucket, key, storePrefix: c.storePrefix, clusterName, nodeRoleArns: c.nodeRoleArns,
      });
      // cluster_health shows each node's SSM ping status (serve --ssm-ping)
      this.hubRole.addToPolicy(new iam.PolicyStatement({ sid: 'SsmPingStatus', actions: ['ssm:DescribeInstanceInformation'], resources: ['*'] }));
      ackWildcards(this.hubRole, ['Resource::*'], 'ssm:DescribeInstanceInformation supports no resource-level permissions (IAM service authorization reference): it is read-only, and the hub only asks about its nodes.');
    }

    if (c.gateway) {
      this.gateway = new AgentGateway(this, 'AgentGateway', {
        name: c.clusterName ?? 'hub', key, targetUrl: c.gatewayTargetUrl, removalPolicy,
      });
    }

    const out = (k: string, value: string, description: string) => new CfnOutput(this, k, { value, description });
    out(OUTPUT.bucket, bucket.bucketName, 'storage.s3.bucket');
    out(OUTPUT.kmsKeyArn, key.keyArn, 'storage.s3.kmsKeyId');
    out(OUTPUT.region, Aws.REGION, 'storage.s3.region / awsRegion');
    out(OUTPUT.storePrefix, c.storePrefix || '-', 'storage.s3.prefix ("-" for none)');
    out(OUTPUT.hubRoleArn, this.hubRole.roleArn, 'IAM role of the hub ServiceAccount');
    out(OUTPUT.operatorRoleArn, this.operatorRole.roleArn, 'IAM role of the operator ServiceAccount');
    out(OUTPUT.identity, c.identity, 'irsa: annotate the ServiceAccounts; pod-identity: associations are created by this stack');
    out(OUTPUT.ssmEnabled, String(c.ssmEnabled), 'operator.ssm.enabled');
    if (this.ssm) out(OUTPUT.ssmAutomationRoleArn, this.ssm.automationRole.roleArn, 'role SSM Automation assumes');
    if (this.gateway) {
      // The client secret is deliberately not an output (outputs are plain text in CloudFormation).
      out(OUTPUT.gatewayUrl, this.gateway.gateway.attrGatewayUrl, `MCP URL for agents outside the cluster. ${GATEWAY_STATUS}`);
      out(OUTPUT.gatewayTokenUrl, this.gateway.tokenUrl, 'OAuth client-credentials token endpoint');
      out(OUTPUT.gatewayClientId, this.gateway.client.userPoolClientId, 'client id; read the secret from Cognito');
      out(OUTPUT.gatewayUserPoolId, this.gateway.userPool.userPoolId, 'Cognito user pool of the agent clients');
      out(OUTPUT.gatewayIssuer, this.gateway.hubCredential.issuer, 'server.oidc.issuer: issuer of the tokens the gateway sends the hub');
      out(OUTPUT.gatewayHubClientId, this.gateway.hubCredential.client.userPoolClientId, "server.oidc.clientIds: the gateway's own client towards the hub");
    }
    if (!Token.isUnresolved(clusterName)) this.templateOptions.description = `eks-node-log-mcp hub for EKS cluster ${clusterName}`;
  }
}
