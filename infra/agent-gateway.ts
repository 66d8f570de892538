import { Aws, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { CfnGateway, CfnGatewayTarget } from 'aws-cdk-lib/aws-bedrockagentcore';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { GatewayHubCredential } from './gateway-hub-credential.js';
import { ackWildcards, pseudoArn } from './nag-ack.js';

export interface AgentGatewayProps {
  /** unique per cluster, a literal (not a token): names the gateway and the Cognito domain */
  name: string;
  key: kms.IKey;
  /** the chart's Ingress URL of the MCP endpoint; without it the gateway has no target yet */
  targetUrl?: string;
  removalPolicy: RemovalPolicy;
}

/**
 * What the gateway is and how far it was tested; said wherever the gateway is described
 * (docs/connect-agents.md §3). At most 200 characters: the gateway description's limit.
 */
export const GATEWAY_STATUS =
  'Cognito client-credentials JWT in; to the hub a Cognito token of its own client, which the hub accepts with server.oidc. Hub side tested; never run against AWS by this project.';

/** The group the hub puts gateway calls in (server.oidc.groups); RBAC binds it. */
export const GATEWAY_GROUP = 'eks-node-log-mcp:gateway';

/**
 * For agents outside the cluster (the seed's path): a Bedrock AgentCore MCP gateway that accepts
 * Cognito-issued JWTs (client-credentials, machine clients only) and forwards to the hub's MCP
 * endpoint with a credential the hub accepts: the target fetches a client-credentials token of a
 * second Cognito client through an AgentCore OAuth2 credential provider (gateway-hub-credential.ts),
 * and the hub verifies it as an OIDC token (`server.oidc`, mcp-server/auth/oidc-token.ts). Every
 * agent behind the gateway reaches the hub as that one client (`oidc:<client id>`, group
 * eks-node-log-mcp:gateway): the gateway's inbound check (allowedClients) decides which agents get
 * in, RBAC on the hub decides what the gateway may do. aws-cdk-lib's AgentCore L2s assume their own
 * Gateway construct, so the L1s are used. The client secrets are never outputs: read the agent
 * client's with `aws cognito-idp describe-user-pool-client`.
 */
export class AgentGateway extends Construct {
  readonly gateway: CfnGateway;
  readonly userPool: cognito.UserPool;
  readonly client: cognito.UserPoolClient;
  /** OAuth client-credentials token endpoint */
  readonly tokenUrl: string;
  /** the gateway's outbound credential to the hub */
  readonly hubCredential: GatewayHubCredential;

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

    const gatewayName = `eks-node-log-mcp-${p.name}`.slice(0, 48);
    this.hubCredential = new GatewayHubCredential(this, 'HubCredential', { userPool: this.userPool, gatewayName, role, name: p.name });
    ackWildcards(role, [
      `Resource::${pseudoArn('bedrock-agentcore', `workload-identity-directory/default/workload-identity/${gatewayName}-*`)}`,
      `Resource::${pseudoArn('secretsmanager', 'secret:bedrock-agentcore-identity!*')}`,
    ], "AgentCore names the gateway's workload identity <gateway name>-<suffix> and keeps the hub client's secret in a token-vault secret bedrock-agentcore-identity!<...> whose ARN CloudFormation returns only nested; these are the patterns AgentCore's own CDK construct grants, in this account and region only.");

    const discoveryUrl = `https://cognito-idp.${Aws.REGION}.amazonaws.com/${this.userPool.userPoolId}/.well-known/openid-configuration`;
    this.gateway = new CfnGateway(this, 'Gateway', {
      name: gatewayName,
      description: GATEWAY_STATUS,
      protocolType: 'MCP',
      authorizerType: 'CUSTOM_JWT',
      authorizerConfiguration: { customJwtAuthorizer: { discoveryUrl, allowedClients: [this.client.userPoolClientId] } },
      kmsKeyArn: p.key.keyArn,
      roleArn: role.roleArn,
    });
    if (p.targetUrl) {
      const target = new CfnGatewayTarget(this, 'Hub', {
        gatewayIdentifier: this.gateway.attrGatewayIdentifier,
        name: 'eks-node-log-mcp',
        description: 'the in-cluster hub, through its Ingress, with a Cognito client-credentials token the hub verifies (server.oidc)',
        targetConfiguration: { mcp: { mcpServer: { endpoint: p.targetUrl } } },
        credentialProviderConfigurations: this.hubCredential.targetCredentials(),
      });
      // AgentCore handshakes with the target when it is created: the role must already hold the OAuth grants
      target.node.addDependency(role);
    }
    this.tokenUrl = `${domain.baseUrl()}/oauth2/token`;
  }
}
