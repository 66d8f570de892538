import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderValuesSnippet, stackOutputs } from './values-snippet.js';

const base = {
  BucketName: 'hub-store-abc',
  KmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555',
  Region: 'eu-west-1',
  StorePrefix: '-',
  HubRoleArn: 'arn:aws:iam::123456789012:role/hub',
  OperatorRoleArn: 'arn:aws:iam::123456789012:role/operator',
  IdentityMode: 'irsa',
  SsmEnabled: 'true',
};

describe('values snippet from the hub stack outputs', () => {
  it('with IRSA, sets the S3 store, KMS key, region, SSM switch and the role annotation of each ServiceAccount', () => {
    const v = parse(renderValuesSnippet(base));
    expect(v.storage).toEqual({ type: 's3', s3: { bucket: 'hub-store-abc', prefix: '', region: 'eu-west-1', kmsKeyId: base.KmsKeyArn } });
    expect(v.awsRegion).toBe('eu-west-1');
    expect(v.operator.ssm).toEqual({ enabled: true });
    const withRole = parse(renderValuesSnippet({ ...base, SsmAutomationRoleArn: 'arn:aws:iam::123456789012:role/ssm-automation' }));
    expect(withRole.operator.ssm).toEqual({ enabled: true, automationRoleArn: 'arn:aws:iam::123456789012:role/ssm-automation' });
    expect(v.operator.serviceAccount.annotations).toEqual({ 'eks.amazonaws.com/role-arn': base.OperatorRoleArn });
    expect(v.server.serviceAccount.annotations).toEqual({ 'eks.amazonaws.com/role-arn': base.HubRoleArn });
  });

  it('with Pod Identity, annotates nothing (the stack made the associations)', () => {
    const v = parse(renderValuesSnippet({ ...base, IdentityMode: 'pod-identity', SsmEnabled: 'false', StorePrefix: 'tenants/a' }));
    expect(v.server.serviceAccount.annotations).toEqual({});
    expect(v.operator.serviceAccount.annotations).toEqual({});
    expect(v.operator.ssm.enabled).toBe(false);
    expect(v.storage.s3.prefix).toBe('tenants/a');
  });

  it('with the AgentCore gateway, turns on server.oidc for its Cognito issuer and the gateway\'s own client only; without it, leaves OIDC off', () => {
    const issuer = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf';
    const v = parse(renderValuesSnippet({ ...base, GatewayIssuer: issuer, GatewayHubClientId: '7gwhubclient', GatewayClientId: 'agentclient' }));
    expect(v.server.oidc).toEqual({ enabled: true, issuer, clientIds: ['7gwhubclient'], groups: ['eks-node-log-mcp:gateway'] });
    expect(v.server.serviceAccount.annotations).toEqual({ 'eks.amazonaws.com/role-arn': base.HubRoleArn });
    expect(parse(renderValuesSnippet(base)).server.oidc).toBeUndefined();
  });

  it('names the missing output when the outputs are incomplete', () => {
    const { BucketName: _omit, ...rest } = base;
    expect(() => renderValuesSnippet(rest)).toThrow(/BucketName/);
  });

  it('picks one stack out of an outputs file and says which stacks it found otherwise', () => {
    const file = { 'EksNodeLogMcpHub-prod': base };
    expect(stackOutputs(file, 'EksNodeLogMcpHub-prod')).toEqual(base);
    expect(() => stackOutputs(file, 'EksNodeLogMcpHub-dev')).toThrow(/found: EksNodeLogMcpHub-prod/);
  });
});
