import { describe, expect, it } from 'vitest';
import { formatPlan } from '../../cli/commands/deploy-command.js';
import { buildDeployPlan, type DeployChoices, namespaceManifest } from './plan.js';

const choices: DeployChoices = {
  region: 'eu-west-1', cluster: 'prod', identity: 'irsa',
  oidcProviderArn: 'arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/AB',
  ssmEnabled: true, nodeRoleArns: ['arn:aws:iam::123456789012:role/a', 'arn:aws:iam::123456789012:role/b'],
  namespace: 'obs', release: 'nlm', gateway: false, approve: false,
};
const paths = { repoRoot: '/repo', workDir: '/tmp/enlm-x' };
const exec = (p: ReturnType<typeof buildDeployPlan>) => p.steps.filter((s) => s.kind === 'exec');

describe('deploy plan', () => {
  it('deploys the hub stack with every choice as CDK context, in the chosen region', () => {
    const [cdk] = exec(buildDeployPlan(choices, paths));
    expect(cdk?.env).toEqual({ AWS_REGION: 'eu-west-1' });
    const argv = cdk?.argv ?? [];
    expect(argv.slice(0, 3)).toEqual(['/repo/node_modules/.bin/cdk', 'deploy', 'EksNodeLogMcpHub-prod']);
    const ctx = argv.flatMap((a, i) => (argv[i - 1] === '-c' ? [a] : []));
    expect(ctx).toEqual([
      'stackName=EksNodeLogMcpHub-prod', 'clusterName=prod', 'namespace=obs', 'releaseName=nlm', 'identity=irsa',
      `oidcProviderArn=${choices.oidcProviderArn}`, 'ssmEnabled=true',
      'nodeRoleArns=arn:aws:iam::123456789012:role/a,arn:aws:iam::123456789012:role/b', 'gateway=false',
    ]);
    expect(argv).toContain('--outputs-file');
    // IAM changes need an explicit approval unless --yes was given.
    expect(argv[argv.indexOf('--require-approval') + 1]).toBe('broadening');
    expect(exec(buildDeployPlan({ ...choices, approve: true }, paths))[0]?.argv).toContain('never');
  });

  it('renders values from the outputs before installing the chart with them', () => {
    const plan = buildDeployPlan({ ...choices, kubeContext: 'prod-admin' }, paths);
    expect(plan.steps.map((s) => s.kind)).toEqual(['exec', 'render-values', 'write-namespace', 'exec', 'exec']);
    const helm = plan.steps[4];
    expect(helm?.kind === 'exec' && helm.argv).toEqual([
      'helm', 'upgrade', '--install', 'nlm', '/repo/charts/eks-node-log-mcp', '--namespace', 'obs',
      '--kube-context', 'prod-admin', '-f', '/tmp/enlm-x/hub-values.yaml',
    ]);
    const values = plan.steps[1];
    expect(values?.kind === 'render-values' && values.outputsFile).toBe('/tmp/enlm-x/hub-outputs.json');
  });

  it('leaves out the OIDC provider with Pod Identity and node roles without SSM', () => {
    const [cdk] = exec(buildDeployPlan({ ...choices, identity: 'pod-identity', ssmEnabled: false, nodeRoleArns: [] }, paths));
    expect(cdk?.argv.join(' ')).not.toMatch(/oidcProviderArn|nodeRoleArns/);
    expect(cdk?.argv).toContain('ssmEnabled=false');
  });

  it('refuses IRSA without an OIDC provider and node roles without SSM', () => {
    expect(() => buildDeployPlan({ ...choices, oidcProviderArn: undefined }, paths)).toThrow(/OIDC/);
    expect(() => buildDeployPlan({ ...choices, ssmEnabled: false }, paths)).toThrow(/SSM/);
  });

  it('labels the namespace privileged for the node agent', () => {
    expect(namespaceManifest('obs')).toContain('pod-security.kubernetes.io/enforce: privileged');
  });

  it('prints the plan shell-quoted, one numbered step per command', () => {
    const text = formatPlan(buildDeployPlan(choices, paths));
    expect(text).toContain('# 1. Deploy the hub stack EksNodeLogMcpHub-prod in eu-west-1');
    expect(text).toContain("--app '/repo/node_modules/.bin/node /repo/dist/infra/app.js'");
    expect(text).toMatch(/^AWS_REGION=eu-west-1 \/repo\/node_modules\/\.bin\/cdk deploy/m);
  });
});
