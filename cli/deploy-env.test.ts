import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { parseDeployEnv, withDeployEnv } from './deploy-env.js';

const roleA = 'arn:aws:iam::123456789012:role/karpenter-nodes';
const roleB = 'arn:aws:iam::123456789012:role/self-managed';

describe('deploy environment variables', () => {
  it('stand in for every non-interactive flag, EKS_NODE_ROLE_ARNS comma-separated as the seed read it', () => {
    const env = parseDeployEnv({
      EKS_NLM_REGION: 'eu-west-1', EKS_NLM_CLUSTER: 'prod', EKS_NLM_IDENTITY: 'irsa', EKS_NLM_SSM: 'true',
      EKS_NODE_ROLE_ARNS: ` ${roleA}, ${roleB} ,`, EKS_NLM_KUBE_CONTEXT: 'prod-admin', EKS_NLM_NAMESPACE: 'obs', EKS_NLM_RELEASE: 'nlm',
    });
    expect(withDeployEnv({}, env, 'repo/enlm:1.2.3')).toEqual({
      region: 'eu-west-1', cluster: 'prod', identity: 'irsa', ssm: true, nodeRole: [roleA, roleB],
      kubeContext: 'prod-admin', namespace: 'obs', release: 'nlm', image: 'repo/enlm:1.2.3',
    });
  });

  it('lose to the flags given on the command line, --no-ssm included', () => {
    const env = parseDeployEnv({ EKS_NLM_CLUSTER: 'prod', EKS_NLM_SSM: 'true', EKS_NODE_ROLE_ARNS: roleA, EKS_NLM_NAMESPACE: 'obs' });
    expect(withDeployEnv({ cluster: 'stage', ssm: false, nodeRole: [roleB], namespace: 'other', image: 'repo/x:1' }, env, 'repo/enlm:1.2.3'))
      .toMatchObject({ cluster: 'stage', ssm: false, nodeRole: [roleB], namespace: 'other', image: 'repo/x:1' });
  });

  it('default namespace and release to eks-node-log-mcp, and read an empty variable as unset', () => {
    const env = parseDeployEnv({ EKS_NLM_CLUSTER: '', EKS_NLM_SSM: '', EKS_NODE_ROLE_ARNS: '' });
    expect(withDeployEnv({}, env, undefined)).toEqual({
      region: undefined, cluster: undefined, identity: undefined, ssm: undefined, nodeRole: undefined,
      kubeContext: undefined, namespace: 'eks-node-log-mcp', release: 'eks-node-log-mcp', image: undefined,
    });
    expect(parseDeployEnv({ EKS_NLM_SSM: 'false' }).ssm).toBe(false);
  });

  it('refuse a malformed value naming the variable, only when deploy asks (other commands start regardless)', () => {
    expect(() => parseDeployEnv({ EKS_NLM_IDENTITY: 'kiam' })).toThrow(/deploy environment: EKS_NLM_IDENTITY/);
    expect(() => parseDeployEnv({ EKS_NLM_SSM: 'yes' })).toThrow(/EKS_NLM_SSM/);
    const config = loadConfig({ EKS_NLM_SSM: 'yes', EKS_NLM_IMAGE: 'repo/enlm:1.2.3' });
    expect(config.image).toBe('repo/enlm:1.2.3');
    expect(() => config.deployEnv()).toThrow(/EKS_NLM_SSM/);
  });
});
