import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { CfnElement } from 'aws-cdk-lib';
import type { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { captureObjectKey, DEFAULT_CAPTURE_PREFIX } from '../operator/backends/ssm-capture.js';
import { archivePrefix, SsmBundleIngest } from '../operator/backends/ssm-ingest.js';
import type { BundleStore } from '../core/store/bundle-store.js';
import type { CompiledCatalog } from '../core/rules/compiled-catalog.js';
import { GATEWAY_STATUS } from './agent-gateway.js';
import { type HubConfigInput, HubConfigSchema } from './hub-config.js';
import { HubStack } from './hub-stack.js';
import { allows, statementsOf } from './policy-sim.js';
import { RUNBOOK_ARCHIVE_PREFIX, SSM_CAPTURE_PREFIX } from './ssm-keys.js';

const OIDC = 'arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABCDEF';
const ISSUER = 'oidc.eks.eu-west-1.amazonaws.com/id/ABCDEF';
const NODE_ROLE = 'arn:aws:iam::123456789012:role/eks-nodes-a';

function synth(input: HubConfigInput) {
  const app = new App();
  const stack = new HubStack(app, 'Hub', { config: HubConfigSchema.parse(input) });
  return { stack, template: Template.fromStack(stack) };
}

const allStatements = (t: Template) =>
  Object.values(t.findResources('AWS::IAM::Policy')).flatMap((p) => (p.Properties.PolicyDocument.Statement as { Action: string | string[] }[]));
const actionsOf = (t: Template) => allStatements(t).flatMap((s) => [s.Action].flat());

describe('hub stack: store', () => {
  const { template } = synth({ clusterName: 'prod' });

  it('encrypts the store with its own KMS key and a bucket key', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          { BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: Match.anyValue() } },
        ],
      },
      VersioningConfiguration: { Status: 'Enabled' },
    });
  });

  it('rotates the KMS key and keeps key and buckets on stack deletion by default', () => {
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    for (const b of Object.values(template.findResources('AWS::S3::Bucket'))) expect(b.DeletionPolicy).toBe('Retain');
  });

  it('blocks every kind of public access on both buckets', () => {
    const buckets = Object.values(template.findResources('AWS::S3::Bucket'));
    expect(buckets).toHaveLength(2);
    for (const b of buckets) {
      expect(b.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true,
      });
    }
  });

  it('denies every request that is not over TLS on both buckets', () => {
    const policies = Object.values(template.findResources('AWS::S3::BucketPolicy'));
    expect(policies).toHaveLength(2);
    for (const p of policies) {
      expect(p.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
  });

  it('expires bundles/, captures/ and results/ each on its own schedule and logs access', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ Prefix: 'bundles/', ExpirationInDays: 90, Status: 'Enabled' }),
          Match.objectLike({ Prefix: 'captures/', ExpirationInDays: 30 }),
          Match.objectLike({ Prefix: 'results/', ExpirationInDays: 7 }),
          Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 30 }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }),
        ]),
      },
      LoggingConfiguration: { DestinationBucketName: Match.anyValue(), LogFilePrefix: 'store/' },
    });
  });

  it('puts the lifecycle prefixes under the store prefix', () => {
    const { template: t } = synth({ clusterName: 'prod', storePrefix: 'tenants/a' });
    t.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Prefix: 'tenants/a/bundles/' })]) },
    });
  });

  it('deletes key and buckets with the stack only when removalPolicy=destroy', () => {
    const { template: t } = synth({ clusterName: 'dev', removalPolicy: 'destroy' });
    t.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete' });
  });
});

describe('hub stack: identities', () => {
  it('with IRSA, each role trusts exactly its ServiceAccount through the cluster OIDC provider', () => {
    const { template } = synth({ clusterName: 'prod', identity: 'irsa', oidcProviderArn: OIDC, namespace: 'obs', releaseName: 'nlm' });
    for (const sa of ['nlm-eks-node-log-mcp-server', 'nlm-eks-node-log-mcp-operator']) {
      template.hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: {
          Statement: [
            {
              Action: 'sts:AssumeRoleWithWebIdentity',
              Effect: 'Allow',
              Principal: { Federated: OIDC },
              Condition: { StringEquals: { [`${ISSUER}:sub`]: `system:serviceaccount:obs:${sa}`, [`${ISSUER}:aud`]: 'sts.amazonaws.com' } },
            },
          ],
        },
      });
    }
    template.resourceCountIs('AWS::EKS::PodIdentityAssociation', 0);
  });

  it('with Pod Identity, roles trust pods.eks.amazonaws.com from this account only, and associations bind them', () => {
    const { template } = synth({ clusterName: 'prod' });
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: ['sts:AssumeRole', 'sts:TagSession'],
            Effect: 'Allow',
            Principal: { Service: 'pods.eks.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          },
        ],
      },
    });
    template.hasResourceProperties('AWS::EKS::PodIdentityAssociation', { ClusterName: 'prod', Namespace: 'eks-node-log-mcp', ServiceAccount: 'eks-node-log-mcp-server' });
    template.hasResourceProperties('AWS::EKS::PodIdentityAssociation', { ClusterName: 'prod', Namespace: 'eks-node-log-mcp', ServiceAccount: 'eks-node-log-mcp-operator' });
  });

  it('without a cluster name, the template asks for it as a parameter (offline, env-agnostic synth)', () => {
    const { template } = synth({});
    template.hasParameter('ClusterName', { Type: 'String' });
  });
});

describe('hub stack: SSM', () => {
  it('when SSM is off, nothing grants SSM, touches node roles or creates an automation role', () => {
    const { template } = synth({ clusterName: 'prod' });
    expect(actionsOf(template).filter((a) => a.startsWith('ssm:') || a === 'iam:PassRole')).toEqual([]);
    template.resourceCountIs('AWS::IAM::ManagedPolicy', 0);
    const roles = Object.values(template.findResources('AWS::IAM::Role'));
    expect(roles.map((r) => JSON.stringify(r.Properties.AssumeRolePolicyDocument))).not.toContainEqual(expect.stringContaining('ssm.amazonaws.com'));
  });

  it('when SSM is on, the operator may start only the AWS Support runbook and pass only the automation role', () => {
    const { template } = synth({ clusterName: 'prod', ssmEnabled: true, nodeRoleArns: [NODE_ROLE] });
    const stmts = allStatements(template) as { Sid?: string; Action: unknown; Resource: unknown; Condition?: unknown }[];
    const start = stmts.find((s) => s.Sid === 'StartCollectionRunbook');
    expect(JSON.stringify(start?.Resource)).toContain('automation-definition/AWSSupport-CollectEKSInstanceLogs:*');
    const pass = stmts.find((s) => s.Sid === 'PassAutomationRole');
    expect(pass?.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'ssm.amazonaws.com' } });
    const send = stmts.find((s) => s.Sid === 'CaptureOnClusterNodes');
    expect(send?.Condition).toEqual({ StringEquals: { 'aws:ResourceTag/eks:cluster-name': 'prod' } });
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', { Roles: ['eks-nodes-a'] });
    // the hub reads SSM ping status for cluster_health, only with SSM on
    expect(stmts.find((s) => s.Sid === 'SsmPingStatus')?.Action).toBe('ssm:DescribeInstanceInformation');
    const off = synth({ clusterName: 'prod' }).template;
    expect((allStatements(off) as { Sid?: string }[]).some((s) => s.Sid === 'SsmPingStatus')).toBe(false);
  });

  it('refuses node roles without the SSM method (named config error)', () => {
    expect(() => HubConfigSchema.parse({ nodeRoleArns: [NODE_ROLE] })).toThrow(/only for the SSM method/);
  });

  it('refuses IRSA without an OIDC provider ARN, and a malformed ARN', () => {
    expect(() => HubConfigSchema.parse({ identity: 'irsa' })).toThrow(/needs oidcProviderArn/);
    expect(() => HubConfigSchema.parse({ identity: 'irsa', oidcProviderArn: 'oidc.eks.x/id/1' })).toThrow(/OIDC provider ARN/);
  });
});

describe('hub stack: SSM grants cover exactly what the operator and the runbook do (moto does not enforce IAM)', () => {
  const INSTANCE = 'i-0123456789abcdef0';
  // the key the runbook writes: LogDestination is a bucket name, the archive lands at its root
  // (test/integration/operator-ssm.test.ts uploads the same shape)
  const ARCHIVE = `eks_${INSTANCE}_2026-11-24_1200-UTC_0.7.8.tar.gz`;
  const { stack, template } = synth({ clusterName: 'prod', ssmEnabled: true, nodeRoleArns: [NODE_ROLE], storePrefix: 'tenants/a' });
  const id = (c: unknown) => stack.getLogicalId(c as CfnElement);
  const bucket = `<${id(stack.storage.bucket.node.defaultChild)}.Arn>`;
  const obj = (key: string) => `${bucket}/${key}`;
  const keyArn = `<${id(stack.storage.key.node.defaultChild)}.Arn>`;
  const viaS3 = { 'kms:ViaService': 's3.<AWS::Region>.<AWS::URLSuffix>' };
  const operator = statementsOf(template, { logicalId: id(stack.operatorRole.node.defaultChild) });
  const node = statementsOf(template, { name: 'eks-nodes-a' });

  it('the operator may stop the automation and cancel the capture command of a resource being deleted (finalizer pass)', () => {
    expect(allows(operator, 'ssm:StopAutomationExecution', 'arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:automation-execution/0a1b2c3d-0000-4000-8000-000000000000')).toBe(true);
    expect(allows(operator, 'ssm:StopAutomationExecution', 'arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:document/AWS-RunShellScript')).toBe(false);
    expect(allows(operator, 'ssm:CancelCommand', '*')).toBe(true);
    expect(allows(node, 'ssm:CancelCommand', '*')).toBe(false);
  });

  it('the operator and the CDK app agree on where SSM puts things', () => {
    expect(DEFAULT_CAPTURE_PREFIX).toBe(SSM_CAPTURE_PREFIX);
    expect(archivePrefix(INSTANCE).startsWith(RUNBOOK_ARCHIVE_PREFIX)).toBe(true);
    expect(ARCHIVE.startsWith(archivePrefix(INSTANCE))).toBe(true);
  });

  it('the listing the operator really sends to find the archive is allowed, and an unprefixed listing is not', async () => {
    const sent: { Prefix?: string }[] = [];
    const s3 = { send: async (cmd: { input: { Prefix?: string } }) => (sent.push(cmd.input), { Contents: [], IsTruncated: false }) } as unknown as S3Client;
    await new SsmBundleIngest({ s3, bucket: 'b', store: {} as BundleStore, catalog: {} as CompiledCatalog }).findArchive(INSTANCE, 0, {});
    expect(sent).toHaveLength(1);
    expect(allows(operator, 's3:ListBucket', bucket, { 's3:prefix': sent[0]!.Prefix ?? '' })).toBe(true);
    expect(allows(operator, 's3:ListBucket', bucket, { 's3:prefix': '' })).toBe(false);
    expect(allows(operator, 's3:ListBucket', bucket)).toBe(false);
    expect(allows(operator, 's3:ListBucket', bucket, { 's3:prefix': 'tenants/a/bundles/' })).toBe(false);
  });

  it('the operator reads the archive and the SSM capture, and deletes neither (lifecycle rules expire them)', () => {
    const capture = captureObjectKey(DEFAULT_CAPTURE_PREFIX, INSTANCE, 'cap-1');
    for (const key of [ARCHIVE, capture]) {
      expect(allows(operator, 's3:GetObject', obj(key))).toBe(true);
      expect(allows(operator, 's3:DeleteObject', obj(key))).toBe(false);
      expect(allows(operator, 's3:PutObject', obj(key))).toBe(false);
    }
  });

  it('the operator ingests into bundles/ and captures/ under the store prefix, nowhere else, with the hub key through S3 only', () => {
    for (const key of ['tenants/a/bundles/node-1/b1/files/kubelet/kubelet.log', 'tenants/a/captures/node-1/c1/000001.pcap']) {
      expect(allows(operator, 's3:PutObject', obj(key))).toBe(true);
      expect(allows(operator, 's3:AbortMultipartUpload', obj(key))).toBe(true);
    }
    // capture ingest reads chunk and capture.json back, drops a chunk that is not a pcap, and lists the capture
    expect(allows(operator, 's3:GetObject', obj('tenants/a/captures/node-1/c1/capture.json'))).toBe(true);
    expect(allows(operator, 's3:DeleteObject', obj('tenants/a/captures/node-1/c1/000001.pcap'))).toBe(true);
    expect(allows(operator, 's3:ListBucket', bucket, { 's3:prefix': 'tenants/a/captures/node-1/' })).toBe(true);
    for (const key of ['bundles/node-1/b1/manifest.json', 'tenants/a/baselines/prod/baseline.json', 'tenants/a/bundles/node-1/b1/x']) {
      expect(allows(operator, 's3:DeleteObject', obj(key)) || allows(operator, 's3:GetObject', obj(key))).toBe(false);
    }
    expect(allows(operator, 's3:PutObject', obj('bundles/node-1/b1/manifest.json'))).toBe(false);
    for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) {
      expect(allows(operator, action, keyArn, viaS3)).toBe(true);
      expect(allows(operator, action, keyArn)).toBe(false);
    }
    expect(allows(operator, 'kms:Encrypt', keyArn, viaS3)).toBe(false);
  });

  it('node roles may upload the archive where the runbook puts it and SSM captures, check the bucket is private, and nothing else', () => {
    expect(allows(node, 's3:PutObject', obj(ARCHIVE))).toBe(true);
    expect(allows(node, 's3:PutObject', obj(captureObjectKey(DEFAULT_CAPTURE_PREFIX, INSTANCE, 'cap-1')))).toBe(true);
    expect(allows(node, 's3:PutObject', obj('tenants/a/bundles/node-1/b1/manifest.json'))).toBe(false);
    expect(allows(node, 's3:GetObject', obj(ARCHIVE))).toBe(false);
    expect(allows(node, 's3:GetBucketPolicyStatus', bucket)).toBe(true);
    expect(allows(node, 's3:GetBucketAcl', bucket)).toBe(true);
    // multipart uploads of large archives under SSE-KMS need Decrypt as well as GenerateDataKey
    expect(allows(node, 'kms:GenerateDataKey', keyArn, viaS3) && allows(node, 'kms:Decrypt', keyArn, viaS3)).toBe(true);
  });

  it('expires what SSM drops at the bucket root, whatever the store prefix', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ Prefix: 'tenants/a/bundles/' }),
          Match.objectLike({ Prefix: 'results/', ExpirationInDays: 7 }),
          Match.objectLike({ Prefix: RUNBOOK_ARCHIVE_PREFIX, ExpirationInDays: 7 }),
        ]),
      },
    });
  });
});

describe('hub stack: AgentCore gateway', () => {
  it('is absent unless asked for', () => {
    const { template } = synth({ clusterName: 'prod' });
    template.resourceCountIs('AWS::BedrockAgentCore::Gateway', 0);
    template.resourceCountIs('AWS::Cognito::UserPool', 0);
  });

  it('accepts only JWTs of its Cognito client and never outputs the client secret', () => {
    const { template } = synth({ clusterName: 'prod', gateway: true, gatewayTargetUrl: 'https://mcp.example.com/mcp' });
    template.hasResourceProperties('AWS::BedrockAgentCore::Gateway', {
      AuthorizerType: 'CUSTOM_JWT', ProtocolType: 'MCP',
      AuthorizerConfiguration: { CustomJWTAuthorizer: { AllowedClients: [Match.anyValue()], DiscoveryUrl: Match.anyValue() } },
    });
    template.hasResourceProperties('AWS::BedrockAgentCore::GatewayTarget', {
      TargetConfiguration: { Mcp: { McpServer: { Endpoint: 'https://mcp.example.com/mcp' } } },
    });
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', { GenerateSecret: true, AllowedOAuthFlows: ['client_credentials'] });
    expect(JSON.stringify(template.toJSON().Outputs)).not.toMatch(/ClientSecret/);
  });

  it('the target sends the hub a client-credentials token of its own Cognito client, through an AgentCore OAuth2 credential provider', () => {
    const { template } = synth({ clusterName: 'prod', gateway: true, gatewayTargetUrl: 'https://mcp.example.com/mcp' });
    const json = template.toJSON();
    const id = (type: string, pred: (p: any) => boolean = () => true) =>
      Object.entries(json.Resources as Record<string, { Type: string; Properties: any }>).find(([, r]) => r.Type === type && pred(r.Properties))![0];
    const hubServer = id('AWS::Cognito::UserPoolResourceServer', (p) => p.Identifier === 'eks-node-log-mcp-hub');
    const hubClient = id('AWS::Cognito::UserPoolClient', (p) => JSON.stringify(p.AllowedOAuthScopes).includes(hubServer));
    const provider = id('AWS::BedrockAgentCore::OAuth2CredentialProvider');
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', { GenerateSecret: true, AllowedOAuthFlows: ['client_credentials'], AllowedOAuthScopes: [{ 'Fn::Join': ['', [{ Ref: hubServer }, '/invoke']] }] });
    // the secret goes Cognito -> credential provider by GetAtt: never a literal, parameter or output
    template.hasResourceProperties('AWS::BedrockAgentCore::OAuth2CredentialProvider', {
      CredentialProviderVendor: 'CustomOauth2',
      Oauth2ProviderConfigInput: { CustomOauth2ProviderConfig: {
        ClientId: { Ref: hubClient }, ClientSecret: { 'Fn::GetAtt': [hubClient, 'ClientSecret'] },
        OauthDiscovery: { DiscoveryUrl: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith(['https://cognito-idp.', '/.well-known/openid-configuration'])] }) },
      } },
    });
    template.hasResourceProperties('AWS::BedrockAgentCore::GatewayTarget', {
      CredentialProviderConfigurations: [{
        CredentialProviderType: 'OAUTH',
        CredentialProvider: { OauthCredentialProvider: { ProviderArn: { 'Fn::GetAtt': [provider, 'CredentialProviderArn'] }, Scopes: ['eks-node-log-mcp-hub/invoke'], GrantType: 'CLIENT_CREDENTIALS' } },
      }],
    });
    // agents get in with their own client; the hub's client is not one of them
    template.hasResourceProperties('AWS::BedrockAgentCore::Gateway', { AuthorizerConfiguration: { CustomJWTAuthorizer: { AllowedClients: [Match.not({ Ref: hubClient })] } } });
    // the gateway role may fetch that provider's token and read the token vault's secrets, nothing wider
    template.hasResourceProperties('AWS::IAM::Policy', { PolicyDocument: { Statement: Match.arrayWith([
      Match.objectLike({ Action: 'bedrock-agentcore:GetResourceOauth2Token', Resource: Match.arrayWith([{ 'Fn::GetAtt': [provider, 'CredentialProviderArn'] }]) }),
      Match.objectLike({ Action: 'secretsmanager:GetSecretValue', Resource: { 'Fn::Join': ['', Match.arrayWith([':secret:bedrock-agentcore-identity!*'])] } }),
    ]) } });
    template.hasOutput('GatewayHubClientId', { Value: { Ref: hubClient } });
    template.hasOutput('GatewayIssuer', { Value: { 'Fn::Join': ['', Match.arrayWith(['https://cognito-idp.', '.amazonaws.com/'])] } });
    expect(JSON.stringify(json.Outputs) + JSON.stringify(json.Parameters ?? {})).not.toMatch(/ClientSecret/);
    // created after the role's grants: AgentCore handshakes with the target on creation
    const target = Object.values(template.findResources('AWS::BedrockAgentCore::GatewayTarget'))[0] as { DependsOn?: string[] };
    expect(target.DependsOn?.some((d) => d.includes('GatewayRoleDefaultPolicy'))).toBe(true);
  });

  it('says on the gateway and its URL output how the path works and that only the hub side was tested', () => {
    const { template } = synth({ clusterName: 'prod', gateway: true, gatewayTargetUrl: 'https://mcp.example.com/mcp' });
    template.hasResourceProperties('AWS::BedrockAgentCore::Gateway', { Description: GATEWAY_STATUS });
    template.hasOutput('GatewayUrl', { Description: Match.stringLikeRegexp('server.oidc. Hub side tested; never run against AWS') });
    // the CloudFormation limit on a gateway description
    expect(GATEWAY_STATUS.length).toBeLessThanOrEqual(200);
  });
});

describe('hub stack: cdk-nag AwsSolutions', () => {
  const configs: [string, HubConfigInput][] = [
    ['defaults', {}],
    ['IRSA + SSM + gateway', { clusterName: 'prod', identity: 'irsa', oidcProviderArn: OIDC, ssmEnabled: true, nodeRoleArns: [NODE_ROLE], gateway: true, gatewayTargetUrl: 'https://mcp.example.com/mcp', storePrefix: 'a/b' }],
    ['no access logs', { clusterName: 'prod', accessLogs: false }],
  ];
  it.each(configs)('%s: zero unacknowledged findings', (_name, input) => {
    const app = new App();
    const stack = new HubStack(app, 'Hub', { config: HubConfigSchema.parse(input) });
    const report = new AwsSolutionsChecks(app).validateScope(stack);
    expect(report.violations.map((v) => `${v.ruleName} @ ${v.violatingResources.map((r) => r.resourceLogicalId).join(',')}`)).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('does report a finding that nothing acknowledges (the check is live)', () => {
    const app = new App();
    const stack = new HubStack(app, 'Hub', { config: HubConfigSchema.parse({ clusterName: 'prod', accessLogs: false }) });
    // Wildcard the operator gets from nowhere else: must surface as AwsSolutions-IAM5.
    stack.operatorRole.addToPolicy(new iam.PolicyStatement({ actions: ['s3:*'], resources: ['*'] }));
    const report = new AwsSolutionsChecks(app).validateScope(stack);
    expect(report.violations.map((v) => v.ruleName)).toContain('AwsSolutions-IAM5[Action::s3:*]');
  });
});
