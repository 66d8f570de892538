import { describe, expect, it } from 'vitest';
import { connectInstructions, formatPlan } from '../../cli/commands/deploy-command.js';
import { buildDeployPlan, type DeployChoices, imageValues, namespaceManifest } from './plan.js';

const choices: DeployChoices = {
  region: 'eu-west-1', cluster: 'prod', identity: 'irsa',
  clusterArn: 'arn:aws:eks:eu-west-1:123456789012:cluster/prod', clusterEndpoint: 'https://ABC.gr7.eu-west-1.eks.amazonaws.com',
  oidcProviderArn: 'arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/AB',
  ssmEnabled: true, nodeRoleArns: ['arn:aws:iam::123456789012:role/a', 'arn:aws:iam::123456789012:role/b'],
  namespace: 'obs', release: 'nlm', gateway: false, approve: false,
};
const paths = { repoRoot: '/repo', workDir: '/tmp/enlm-x' };
const exec = (p: ReturnType<typeof buildDeployPlan>) => p.steps.filter((s) => s.kind === 'exec');

describe('deploy plan', () => {
  it('deploys the hub stack with every choice as CDK context, in the chosen region', () => {
    const [, cdk] = exec(buildDeployPlan(choices, paths));
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
    expect(exec(buildDeployPlan({ ...choices, approve: true }, paths))[1]?.argv).toContain('never');
  });

  it('renders values from the outputs before installing the chart with them', () => {
    const plan = buildDeployPlan({ ...choices, kubeContext: 'prod-admin' }, paths);
    expect(plan.steps.map((s) => s.kind)).toEqual(['verify-kube-context', 'exec', 'exec', 'render-values', 'write-namespace', 'exec', 'exec']);
    const helm = plan.steps[6];
    expect(helm?.kind === 'exec' && helm.argv).toEqual([
      'helm', 'upgrade', '--install', 'nlm', '/repo/charts/eks-node-log-mcp', '--namespace', 'obs',
      '--kube-context', 'prod-admin', '-f', '/tmp/enlm-x/hub-values.yaml',
    ]);
    const values = plan.steps[3];
    expect(values?.kind === 'render-values' && values.outputsFile).toBe('/tmp/enlm-x/hub-outputs.json');
  });

  it('checks first, before CDK, kubectl or helm touch anything, that the kube context helm and kubectl will use is the chosen cluster', () => {
    const [first, ...rest] = buildDeployPlan({ ...choices, kubeContext: 'prod-admin' }, paths).steps;
    expect(first).toEqual({
      kind: 'verify-kube-context', title: 'Check that kube context prod-admin is cluster prod',
      argv: ['kubectl', '--context', 'prod-admin', 'config', 'view', '--minify', '-o', 'jsonpath={.clusters[0].cluster.server}{"\\n"}{.clusters[0].name}'],
      target: { cluster: 'prod', region: 'eu-west-1', endpoint: choices.clusterEndpoint, arn: choices.clusterArn },
      kubeContext: 'prod-admin',
    });
    expect(rest.some((s) => s.kind === 'verify-kube-context')).toBe(false);
    // the kubectl and helm steps use that same context
    const kube = rest.filter((s) => s.kind === 'exec' && !s.argv[0]?.endsWith('cdk'));
    expect(kube.map((s) => s.kind === 'exec' && s.argv.join(' '))).toEqual([expect.stringContaining('--context prod-admin'), expect.stringContaining('--kube-context prod-admin')]);
    const current = buildDeployPlan(choices, paths).steps[0];
    expect(current?.kind === 'verify-kube-context' && current.argv).not.toContain('--context');
    expect(current?.title).toBe('Check that the current kube context is cluster prod');
  });

  it('leaves out the OIDC provider with Pod Identity and node roles without SSM', () => {
    const [, cdk] = exec(buildDeployPlan({ ...choices, identity: 'pod-identity', ssmEnabled: false, nodeRoleArns: [] }, paths));
    expect(cdk?.argv.join(' ')).not.toMatch(/oidcProviderArn|nodeRoleArns/);
    expect(cdk?.argv).toContain('ssmEnabled=false');
  });

  it('bootstraps CDK in the chosen region first, with the same app and context as the deploy', () => {
    const [bootstrap, cdk] = exec(buildDeployPlan(choices, paths));
    expect(bootstrap?.argv.slice(0, 2)).toEqual(['/repo/node_modules/.bin/cdk', 'bootstrap']);
    expect(bootstrap?.env).toEqual({ AWS_REGION: 'eu-west-1' });
    const appAndContext = (argv: string[]) => argv.filter((a, i) => ['--app', '-c'].includes(argv[i - 1] ?? '') || a === '--app' || a === '-c');
    expect(appAndContext(bootstrap?.argv ?? [])).toEqual(appAndContext(cdk?.argv ?? []));
    expect(bootstrap?.argv).not.toContain('--outputs-file');
  });

  it('installs the chart with the image given (tag or digest), after the values file so it wins', () => {
    const helmOf = (image?: string) => exec(buildDeployPlan({ ...choices, image }, paths)).at(-1)?.argv ?? [];
    const ecr = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/eks-node-log-mcp';
    expect(helmOf(`${ecr}:0.1.0`).slice(-4)).toEqual(['--set', `image.repository=${ecr}`, '--set', 'image.tag=0.1.0']);
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(helmOf(`${ecr}@${digest}`).slice(-4)).toEqual(['--set', `image.repository=${ecr}`, '--set', `image.digest=${digest}`]);
    expect(helmOf().join(' ')).not.toContain('image.');
    const argv = helmOf(`${ecr}:0.1.0`);
    expect(argv.indexOf('-f')).toBeLessThan(argv.indexOf('--set'));
  });

  it('reads a registry port as part of the repository and refuses what helm --set would split', () => {
    expect(imageValues('registry.local:5000/enlm')).toEqual({ repository: 'registry.local:5000/enlm' });
    expect(imageValues('registry.local:5000/enlm:dev')).toEqual({ repository: 'registry.local:5000/enlm', tag: 'dev' });
    expect(() => imageValues('repo:1,image.pullPolicy=Always')).toThrow(/tag/);
    expect(() => imageValues('repo,x=y')).toThrow(/repository/);
    expect(() => imageValues('repo@sha256:short')).toThrow(/digest/);
  });

  it('refuses IRSA without an OIDC provider and node roles without SSM', () => {
    expect(() => buildDeployPlan({ ...choices, oidcProviderArn: undefined }, paths)).toThrow(/OIDC/);
    expect(() => buildDeployPlan({ ...choices, ssmEnabled: false }, paths)).toThrow(/SSM/);
  });

  it('after deploy --gateway, says how agents connect through it, how to grant the gateway group RBAC, and that AWS itself is untested', () => {
    const text = connectInstructions({ ...choices, gateway: true, gatewayTargetUrl: 'https://mcp.example.com/mcp' });
    expect(text).toContain('GatewayUrl output');
    expect(text).toContain('kubectl -n obs create rolebinding enlm-gateway-read --role=enlm-mcp-read --group=eks-node-log-mcp:gateway');
    expect(text).toMatch(/Only the hub side of this path is tested/);
    expect(text).not.toMatch(/not usable/);
    expect(connectInstructions({ ...choices, gateway: true })).toMatch(/created without a target; .* --gateway-target-url/);
    expect(connectInstructions(choices)).not.toMatch(/gateway/i);
  });

  it('labels the namespace privileged for the node agent', () => {
    expect(namespaceManifest('obs')).toContain('pod-security.kubernetes.io/enforce: privileged');
  });

  it('prints the plan shell-quoted, one numbered step per command', () => {
    const text = formatPlan(buildDeployPlan(choices, paths));
    expect(text).toContain(`# 1. Check that the current kube context is cluster prod\nkubectl config view --minify -o 'jsonpath={.clusters[0].cluster.server}{"\\n"}{.clusters[0].name}'\n(stops unless the server is ${choices.clusterEndpoint} or the cluster is named ${choices.clusterArn})`);
    expect(text).toContain('# 2. Bootstrap CDK in eu-west-1');
    expect(text).toContain('# 3. Deploy the hub stack EksNodeLogMcpHub-prod in eu-west-1');
    expect(text).toContain("--app '/repo/node_modules/.bin/node /repo/dist/infra/app.js'");
    expect(text).toMatch(/^AWS_REGION=eu-west-1 \/repo\/node_modules\/\.bin\/cdk deploy/m);
  });
});
