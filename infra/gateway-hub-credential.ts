import { Arn, ArnFormat, Aws, Duration, Stack } from 'aws-cdk-lib';
import { CfnGatewayTarget, CfnOAuth2CredentialProvider } from 'aws-cdk-lib/aws-bedrockagentcore';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

export interface GatewayHubCredentialProps {
  userPool: cognito.UserPool;
  /** the gateway's name: AgentCore names the gateway's workload identity after it */
  gatewayName: string;
  /** the gateway's service role, which fetches the token */
  role: iam.Role;
  /** unique per cluster, a literal: names the credential provider */
  name: string;
}

/** The Cognito resource server of the hub; the scope the gateway asks for is `<this>/invoke`. */
export const HUB_RESOURCE_SERVER = 'eks-node-log-mcp-hub';

/**
 * The gateway's outbound credential to the hub: a Cognito machine client (client credentials,
 * scope `eks-node-log-mcp-hub/invoke`) registered as an AgentCore Identity OAuth2 credential
 * provider (AWS::BedrockAgentCore::OAuth2CredentialProvider), which the target uses to fetch an
 * access token for every forwarded call. The hub accepts that token with
 * `--oidc-issuer <pool> --oidc-client-id <this client>` (mcp-server/auth/oidc-token.ts) as the user
 * `oidc:<client id>` in the group eks-node-log-mcp:gateway, and RBAC decides what it may do.
 *
 * The client secret goes from Cognito to the credential provider as Fn::GetAtt ClientSecret: it is
 * in no template, output or parameter, and AgentCore keeps it in its token vault (Secrets Manager).
 */
export class GatewayHubCredential extends Construct {
  readonly client: cognito.UserPoolClient;
  readonly provider: CfnOAuth2CredentialProvider;
  /** the token issuer the hub must trust */
  readonly issuer: string;
  readonly scope: string;

  constructor(scope: Construct, id: string, p: GatewayHubCredentialProps) {
    super(scope, id);
    const invoke = new cognito.ResourceServerScope({ scopeName: 'invoke', scopeDescription: 'the AgentCore gateway calls the hub MCP endpoint' });
    const server = p.userPool.addResourceServer('Hub', { identifier: HUB_RESOURCE_SERVER, scopes: [invoke] });
    this.scope = `${HUB_RESOURCE_SERVER}/invoke`;
    this.client = p.userPool.addClient('GatewayToHub', {
      generateSecret: true,
      authFlows: {},
      oAuth: { flows: { clientCredentials: true }, scopes: [cognito.OAuthScope.resourceServer(server, invoke)] },
      accessTokenValidity: Duration.hours(1),
    });
    this.issuer = `https://cognito-idp.${Aws.REGION}.amazonaws.com/${p.userPool.userPoolId}`;
    const clientSecret = (this.client.node.defaultChild as cognito.CfnUserPoolClient).attrClientSecret;
    this.provider = new CfnOAuth2CredentialProvider(this, 'Provider', {
      name: `enlm-${p.name}-hub`.slice(0, 128),
      credentialProviderVendor: 'CustomOauth2',
      oauth2ProviderConfigInput: {
        customOauth2ProviderConfig: {
          clientId: this.client.userPoolClientId,
          clientSecret,
          oauthDiscovery: { discoveryUrl: `${this.issuer}/.well-known/openid-configuration` },
        },
      },
    });

    // What AgentCore's own L2 (GatewayCredentialProvider.fromOauthIdentity) grants a gateway role
    // for outbound OAuth, minus CompleteResourceTokenAuth (authorization-code flows only).
    const stack = Stack.of(this);
    const directory = stack.formatArn({ service: 'bedrock-agentcore', resource: 'workload-identity-directory', resourceName: 'default', arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
    const identity = `${directory}/workload-identity/${p.gatewayName}-*`;
    const vault = stack.formatArn({ service: 'bedrock-agentcore', resource: 'token-vault', resourceName: 'default', arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
    const secrets = Arn.format({ service: 'secretsmanager', resource: 'secret', resourceName: 'bedrock-agentcore-identity!*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }, stack);
    p.role.addToPolicy(new iam.PolicyStatement({
      sid: 'WorkloadAccessToken',
      actions: ['bedrock-agentcore:GetWorkloadAccessToken', 'bedrock-agentcore:GetWorkloadAccessTokenForJWT', 'bedrock-agentcore:GetWorkloadAccessTokenForUserId'],
      resources: [directory, identity],
    }));
    p.role.addToPolicy(new iam.PolicyStatement({
      sid: 'HubOAuthToken',
      actions: ['bedrock-agentcore:GetResourceOauth2Token'],
      resources: [vault, this.provider.attrCredentialProviderArn, directory, identity],
    }));
    p.role.addToPolicy(new iam.PolicyStatement({ sid: 'HubOAuthClientSecret', actions: ['secretsmanager:GetSecretValue'], resources: [secrets] }));
  }

  /** The target's credential configuration: fetch a client-credentials token with this provider. */
  targetCredentials(): CfnGatewayTarget.CredentialProviderConfigurationProperty[] {
    return [{
      credentialProviderType: 'OAUTH',
      credentialProvider: { oauthCredentialProvider: { providerArn: this.provider.attrCredentialProviderArn, scopes: [this.scope], grantType: 'CLIENT_CREDENTIALS' } },
    }];
  }
}

