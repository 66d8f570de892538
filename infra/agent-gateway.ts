import { Aws, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { CfnGateway, CfnGatewayTarget } from 'aws-cdk-lib/aws-bedrockagentcore';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

export interface AgentGatewayProps {
  /** unique per cluster, a literal (not a token): names the gateway and the Cognito domain */
  name: string;
  key: kms.IKey;
  /** the chart's Ingress URL of the MCP endpoint; without it the gateway has no target yet */
  targetUrl?: string;
  removalPolicy: RemovalPolicy;
}

/** Why the gateway cannot be used yet; said wherever the gateway is described (docs/connect-agents.md §3). */
export const GATEWAY_NOT_USABLE =
  'Opt-in groundwork, not usable yet: the hub accepts only Kubernetes tokens (TokenReview) and this gateway forwards no credential to it.';

/**
 * For agents outside the cluster (the seed's path): a Bedrock AgentCore MCP gateway that accepts
 * Cognito-issued JWTs (client-credentials, machine clients only) and forwards to the hub's MCP
 * endpoint. NOT USABLE YET, kept as opt-in groundwork: the hub authenticates only Kubernetes
 * bearer tokens (TokenReview), and the target below has no outbound credential provider, so the
 * hub answers 401 to every forwarded call. Missing: OIDC JWT validation of these Cognito tokens in
 * the hub (mapped to an identity SubjectAccessReview can check), or an AgentCore credential
 * provider on the target that obtains a token the hub accepts. aws-cdk-lib 2.276 has only L1s for AgentCore, so CfnGateway/CfnGatewayTarget are used.
 * The client secret is never an output: read it with `aws cognito-idp describe-user-pool-client`.
 */
export class AgentGateway extends Construct {
  readonly gateway: CfnGateway;
  readonly userPool: cognito.UserPool;
  readonly client: cognito.UserPoolClient;
  /** OAuth client-credentials token endpoint */
  readonly tokenUrl: string;

  constructor(scope: Construct, id: string, p: AgentGatewayProps) {
    super(scope, id);
    this.userPool = new cognito.UserPool(this, 'Agents', {
      selfSignUpEnabled: false,
      signInAliases: { username: true },
      passwordPolicy: { minLength: 16, requireDigits: true, requireLowercase: true, requireUppercase: true, requireSymbols: true, tempPasswordValidity: Duration.days(1) },
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { sms: false, otp: true },
      accountRecovery: cognito.AccountRecovery.NONE,
      deletionProtection: p.removalPolicy === RemovalPolicy.RETAIN,
      removalPolicy: p.removalPolicy,
    });
    Validations.of(this.userPool).acknowledge({
      id: 'AwsSolutions-COG3',
      reason: 'Machine clients only (OAuth client credentials): no user ever signs in, so threat protection for user sign-ins has nothing to protect.',
    }, {
      id: 'AwsSolutions-COG8',
      reason: 'The Plus feature plan adds threat protection for user sign-ins; this pool only issues client-credentials tokens to machine clients.',
    });
    const invoke = new cognito.ResourceServerScope({ scopeName: 'invoke', scopeDescription: 'call the eks-node-log-mcp tools' });
    const server = this.userPool.addResourceServer('Mcp', { identifier: 'eks-node-log-mcp', scopes: [invoke] });
    const domain = this.userPool.addDomain('Domain', { cognitoDomain: { domainPrefix: `enlm-${p.name}`.toLowerCase().slice(0, 63) } });
    this.client = this.userPool.addClient('AgentClient', {
      generateSecret: true,
      authFlows: {},
      oAuth: { flows: { clientCredentials: true }, scopes: [cognito.OAuthScope.resourceServer(server, invoke)] },
      accessTokenValidity: Duration.hours(1),
    });

    const role = new iam.Role(this, 'GatewayRole', {
      assumedBy: new iam.ServicePrincipal('bedrock-agentcore.amazonaws.com').withConditions({
        StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
      }),
      description: 'eks-node-log-mcp AgentCore gateway',
    });
    // Explicit actions instead of grantEncryptDecrypt, whose ReEncrypt*/GenerateDataKey* wildcards
    // this role does not need.
    role.addToPolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'], resources: [p.key.keyArn] }));

    const discoveryUrl = `https://cognito-idp.${Aws.REGION}.amazonaws.com/${this.userPool.userPoolId}/.well-known/openid-configuration`;
    this.gateway = new CfnGateway(this, 'Gateway', {
      name: `eks-node-log-mcp-${p.name}`.slice(0, 48),
      description: GATEWAY_NOT_USABLE,
      protocolType: 'MCP',
      authorizerType: 'CUSTOM_JWT',
      authorizerConfiguration: { customJwtAuthorizer: { discoveryUrl, allowedClients: [this.client.userPoolClientId] } },
      kmsKeyArn: p.key.keyArn,
      roleArn: role.roleArn,
    });
    if (p.targetUrl) {
      new CfnGatewayTarget(this, 'Hub', {
        gatewayIdentifier: this.gateway.attrGatewayIdentifier,
        name: 'eks-node-log-mcp',
        description: 'the in-cluster hub, through its Ingress (no outbound credential yet: the hub refuses these calls)',
        targetConfiguration: { mcp: { mcpServer: { endpoint: p.targetUrl } } },
      });
    }
    this.tokenUrl = `${domain.baseUrl()}/oauth2/token`;
  }
}
