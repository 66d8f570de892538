/**
 * Whether the kubeconfig context deploy is about to use points at the EKS cluster it provisioned the
 * hub for. Helm and kubectl act on whatever context is current, so without this check a deploy for
 * cluster A installs the chart, wired to A's bucket and roles, into cluster B.
 */
export interface KubeTarget {
  cluster: string;
  region: string;
  /** the API server URL DescribeCluster returns (absent while the cluster is being created) */
  endpoint?: string;
  arn: string;
}

/**
 * kubectl prints the server and the kubeconfig name of the context's cluster (`--minify` keeps only
 * that context); `aws eks update-kubeconfig` names the cluster by its ARN.
 */
export function kubeContextArgv(kubeContext?: string): string[] {
  return ['kubectl', ...(kubeContext ? ['--context', kubeContext] : []), 'config', 'view', '--minify', '-o', 'jsonpath={.clusters[0].cluster.server}{"\\n"}{.clusters[0].name}'];
}

// EKS endpoints are https on 443; hostnames are case-insensitive.
const normalise = (url: string) => url.trim().toLowerCase().replace(/\/+$/, '').replace(/^(https:\/\/[^/]+):443$/, '$1');

/** undefined when the context is the target cluster (same server, or named by its ARN); else why not and what to do. */
export function kubeContextMismatch(kubectlOutput: string, t: KubeTarget, kubeContext?: string): string | undefined {
  const [server = '', name = ''] = kubectlOutput.split('\n').map((s) => s.trim());
  if (t.endpoint && server && normalise(server) === normalise(t.endpoint)) return undefined;
  if (name === t.arn) return undefined;
  const which = kubeContext ? `kube context ${kubeContext}` : 'the current kube context';
  return [
    `${which} points at ${server || '(no server)'}${name ? ` (cluster ${name})` : ''}, not at EKS cluster ${t.cluster} in ${t.region}`,
    `(${t.endpoint ?? 'endpoint not known yet'}, ${t.arn}); nothing was installed.`,
    `Run \`aws eks update-kubeconfig --region ${t.region} --name ${t.cluster}\`, or pass --kube-context with that cluster's context.`,
  ].join(' ');
}
