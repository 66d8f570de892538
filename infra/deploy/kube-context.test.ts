import { describe, expect, it } from 'vitest';
import { kubeContextArgv, kubeContextMismatch } from './kube-context.js';

const target = {
  cluster: 'prod', region: 'eu-west-1',
  endpoint: 'https://ABCDEF0123.gr7.eu-west-1.eks.amazonaws.com',
  arn: 'arn:aws:eks:eu-west-1:123456789012:cluster/prod',
};

describe('kube context check', () => {
  it('reads the server and cluster name of the named or current context only (--minify)', () => {
    expect(kubeContextArgv('prod-admin')).toEqual(['kubectl', '--context', 'prod-admin', 'config', 'view', '--minify', '-o', 'jsonpath={.clusters[0].cluster.server}{"\\n"}{.clusters[0].name}']);
    expect(kubeContextArgv()).not.toContain('--context');
  });

  it('accepts the cluster\'s own endpoint (case, trailing slash and :443 aside), or a kubeconfig cluster named by its ARN', () => {
    expect(kubeContextMismatch(`${target.endpoint}\nsome-name`, target)).toBeUndefined();
    expect(kubeContextMismatch('https://abcdef0123.gr7.eu-west-1.eks.amazonaws.com:443/\nx', target)).toBeUndefined();
    expect(kubeContextMismatch(`https://proxy.internal\n${target.arn}`, target)).toBeUndefined();
    expect(kubeContextMismatch(`https://proxy.internal\n${target.arn}`, { ...target, endpoint: undefined })).toBeUndefined();
  });

  it('refuses another cluster, saying which it is, which was wanted and how to switch', () => {
    const why = kubeContextMismatch('https://OTHER.gr7.eu-west-1.eks.amazonaws.com\narn:aws:eks:eu-west-1:123456789012:cluster/stage', target, 'stage-admin');
    expect(why).toContain('kube context stage-admin points at https://OTHER.gr7.eu-west-1.eks.amazonaws.com (cluster arn:aws:eks:eu-west-1:123456789012:cluster/stage)');
    expect(why).toContain(`not at EKS cluster prod in eu-west-1 (${target.endpoint}, ${target.arn})`);
    expect(why).toContain('aws eks update-kubeconfig --region eu-west-1 --name prod');
    // a server that merely contains the endpoint as a prefix is another host
    expect(kubeContextMismatch(`${target.endpoint}.evil.example\nx`, target)).toMatch(/not at EKS cluster prod/);
    expect(kubeContextMismatch('\n', target)).toMatch(/the current kube context points at \(no server\)/);
  });
});
