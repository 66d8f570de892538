import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

// The Helm chart against its contracts (issue 7): rendered by the real helm that
// scripts/setup-kube.sh builds, and its CRD copies compared with crds/, the source of truth.
const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const chart = join(repo, 'charts', 'eks-node-log-mcp');
const exec = promisify(execFile);
let helm = '';

type Obj = { kind: string; metadata: { name: string; annotations?: Record<string, string> }; spec?: any; rules?: any[] };

async function render(...args: string[]): Promise<Obj[]> {
  const { stdout } = await exec(helm, ['template', 'enlm', chart, '--namespace', 'obs', '--kube-version', '1.36.3', ...args], { maxBuffer: 32 << 20 });
  return parseAllDocuments(stdout).map((d) => d.toJS()).filter(Boolean);
}
const find = (objs: Obj[], kind: string, name: string) => objs.find((o) => o.kind === kind && o.metadata.name === name);
const container = (o: Obj | undefined) => o?.spec.template.spec.containers[0];

beforeAll(async () => {
  const { stdout } = await exec('bash', [join(repo, 'scripts', 'setup-kube.sh'), 'helm'], { cwd: repo, timeout: 20 * 60_000, maxBuffer: 16 << 20 });
  helm = join(stdout.trim().split('\n').pop() as string, 'helm');
}, 25 * 60_000);

describe('chart CRDs', () => {
  it('are byte-identical copies of crds/*.yaml, none missing and none extra (run scripts/sync-chart-crds.sh)', async () => {
    const src = (await readdir(join(repo, 'crds'))).filter((f) => f.endsWith('.eksnodelog.io.yaml')).sort();
    const copies = (await readdir(join(chart, 'crds'))).filter((f) => f.endsWith('.yaml')).sort();
    expect(src.length).toBeGreaterThan(0);
    expect(copies).toEqual(src);
    for (const f of src) {
      expect(await readFile(join(chart, 'crds', f), 'utf8'), f).toBe(await readFile(join(repo, 'crds', f), 'utf8'));
    }
  });
});

describe('chart rendering', () => {
  it('runs the operator with leader election, probes on 8081, the hub and agent account for one-shot pods, and SSM on the hub bucket', async () => {
    const objs = await render('--set', 'operator.ssm.enabled=true', '--set', 'awsRegion=eu-west-1', '--set', 'storage.type=s3', '--set', 'storage.s3.bucket=bkt-1');
    const c = container(find(objs, 'Deployment', 'enlm-eks-node-log-mcp-operator'));
    expect(c.args).toEqual(['operator', '--leader-elect', '--metrics-port', '9090', '--health-port', '8081',
      '--image', 'ghcr.io/eks-node-log-mcp/eks-node-log-mcp:0.1.0', '--hub-url', 'http://enlm-eks-node-log-mcp-server.obs.svc:8090',
      '--collector-sa', 'enlm-eks-node-log-mcp-agent', '--agent-selector', 'app.kubernetes.io/name=eks-node-log-mcp,app.kubernetes.io/instance=enlm,app.kubernetes.io/component=agent',
      '--store', 's3://bkt-1', '--ssm-bucket', 'bkt-1']);
    expect(c.env).toEqual([
      { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      { name: 'AWS_REGION', value: 'eu-west-1' },
    ]);
    const noSsm = container(find(await render(), 'Deployment', 'enlm-eks-node-log-mcp-operator'));
    expect(noSsm.args).not.toContain('--ssm-bucket');
    await expect(render('--set', 'operator.ssm.enabled=true')).rejects.toThrow(/needs storage.type s3/);
    expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'health' });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'health' });
  });

  it('points the hub at s3://bucket/prefix with the KMS key, and at /data on a PVC with one replica for filesystem', async () => {
    const s3 = await render('--set', 'storage.type=s3', '--set', 'storage.s3.bucket=bkt-1', '--set', 'storage.s3.prefix=/p/q/', '--set', 'storage.s3.kmsKeyId=alias/k');
    const args = container(find(s3, 'Deployment', 'enlm-eks-node-log-mcp-server')).args;
    expect(args).toEqual(['serve', '--in-cluster', '--host', '0.0.0.0', '--port', '8080', '--ingest-port', '8090', '--store', 's3://bkt-1/p/q',
      '--namespace', 'obs', '--collector-sa', 'obs:enlm-eks-node-log-mcp-agent', '--kms-key-id', 'alias/k']);
    expect(find(s3, 'PersistentVolumeClaim', 'enlm-eks-node-log-mcp-server-data')).toBeUndefined();

    const fs = await render('--set', 'server.replicas=3');
    const dep = find(fs, 'Deployment', 'enlm-eks-node-log-mcp-server');
    expect(dep?.spec.replicas).toBe(1);
    expect(container(dep).args).toContain('/data');
    expect(container(dep).volumeMounts).toContainEqual({ name: 'data', mountPath: '/data' });
    expect(find(fs, 'PersistentVolumeClaim', 'enlm-eks-node-log-mcp-server-data')).toBeDefined();
    expect(find(fs, 'PodDisruptionBudget', 'enlm-eks-node-log-mcp-server')).toBeUndefined();
  });

  it('refuses s3 storage without a bucket (schema)', async () => {
    await expect(render('--set', 'storage.type=s3')).rejects.toThrow(/bucket/);
  });

  it('runs the agent with host access, the hub URL and an audience-bound token, and only when enabled', async () => {
    const objs = await render();
    const ds = find(objs, 'DaemonSet', 'enlm-eks-node-log-mcp-agent');
    const pod = ds?.spec.template.spec;
    expect(container(ds).args).toEqual(['agent', '--node-name', '$(NODE_NAME)', '--hub-url', 'http://enlm-eks-node-log-mcp-server.obs.svc:8090',
      '--token-file', '/var/run/secrets/eks-node-log-mcp/token', '--in-pod']);
    expect(pod.hostPID && pod.hostNetwork).toBe(true);
    expect(pod.tolerations).toEqual([{ operator: 'Exists' }]);
    expect(pod.volumes).toContainEqual({ name: 'host-root', hostPath: { path: '/', type: 'Directory' } });
    expect(container(ds).volumeMounts).toContainEqual({ name: 'host-root', mountPath: '/host', readOnly: true });
    const token = pod.volumes.find((v: { name: string }) => v.name === 'hub-token').projected.sources[0].serviceAccountToken;
    expect(token.audience).toBe('eks-node-log-mcp-hub');
    expect(container(ds).volumeMounts).toContainEqual({ name: 'hub-token', mountPath: '/var/run/secrets/eks-node-log-mcp', readOnly: true });
    expect(pod.volumes.find((v: { name: string }) => v.name === 'tmp').emptyDir.sizeLimit).toBe('2Gi');

    const off = await render('--set', 'agent.enabled=false');
    expect(off.filter((o) => o.metadata.name.endsWith('-agent'))).toEqual([]);
  });

  it('gives the agent system-node-critical priority by default (kept on the pressured node it diagnoses), and none when emptied', async () => {
    const ds = find(await render(), 'DaemonSet', 'enlm-eks-node-log-mcp-agent');
    expect(ds?.spec.template.spec.priorityClassName).toBe('system-node-critical');
    const none = find(await render('--set', 'agent.priorityClassName='), 'DaemonSet', 'enlm-eks-node-log-mcp-agent');
    expect(none?.spec.template.spec.priorityClassName).toBeUndefined();
  });

  it('every non-agent container is non-root, read-only, drops ALL capabilities and uses RuntimeDefault seccomp', async () => {
    const objs = await render('-f', join(chart, 'ci', 's3-agent-ingress-values.yaml'));
    const deployments = objs.filter((o) => o.kind === 'Deployment');
    expect(deployments).toHaveLength(2);
    for (const d of deployments) {
      expect(d.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      expect(container(d).securityContext).toMatchObject({
        allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] },
      });
    }
  });

  it('gives the operator pod writes only in its namespace (cluster-wide only get, for podRef) and no write access to nodes; the hub only creates the custom resources', async () => {
    const objs = await render();
    const role = find(objs, 'Role', 'enlm-eks-node-log-mcp-operator');
    expect(role?.rules).toContainEqual({ apiGroups: [''], resources: ['pods'], verbs: ['create', 'delete', 'get', 'list', 'watch'] });
    const opCluster = find(objs, 'ClusterRole', 'enlm-eks-node-log-mcp-operator');
    expect(opCluster?.rules?.filter((r) => r.resources.includes('pods'))).toEqual([{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }]);
    expect(opCluster?.rules?.find((r) => r.resources.includes('nodes')).verbs).toEqual(['get', 'list', 'watch']);
    const hub = find(objs, 'ClusterRole', 'enlm-eks-node-log-mcp-server');
    const verbs = hub?.rules?.flatMap((r) => r.verbs);
    expect(verbs).not.toContain('delete');
    expect(verbs).not.toContain('update');
    for (const cr of objs.filter((o) => o.kind === 'ClusterRole' || o.kind === 'Role')) {
      expect(JSON.stringify(cr.rules)).not.toContain('"*"');
    }
  });

  it('lets the hub create and list the custom resources only in the release namespace; cluster-wide it may only get them and patch their status (uploads come for any namespace)', async () => {
    const objs = await render();
    const crRules = (o: Obj | undefined) => (o?.rules ?? []).filter((r) => r.apiGroups.includes('eksnodelog.io'));
    expect(crRules(find(objs, 'ClusterRole', 'enlm-eks-node-log-mcp-server'))).toEqual([
      { apiGroups: ['eksnodelog.io'], resources: ['nodelogcollections', 'packetcaptures'], verbs: ['get'] },
      { apiGroups: ['eksnodelog.io'], resources: ['nodelogcollections/status', 'packetcaptures/status'], verbs: ['get', 'patch'] },
    ]);
    const role = objs.find((o) => o.kind === 'Role' && o.metadata.name === 'enlm-eks-node-log-mcp-server') as Obj & { metadata: { namespace?: string } };
    expect(role?.metadata.namespace).toBe('obs');
    expect(crRules(role)).toEqual([{ apiGroups: ['eksnodelog.io'], resources: ['nodelogcollections', 'packetcaptures'], verbs: ['get', 'list', 'create'] }]);
    const binding = objs.find((o) => o.kind === 'RoleBinding' && o.metadata.name === 'enlm-eks-node-log-mcp-server') as Obj & { roleRef: unknown; subjects: unknown };
    expect(binding?.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'enlm-eks-node-log-mcp-server' });
    expect(binding?.subjects).toEqual([{ kind: 'ServiceAccount', name: 'enlm-eks-node-log-mcp-server', namespace: 'obs' }]);
  });

  it('exposes only the MCP port through the Ingress and annotates ServiceAccounts for IRSA', async () => {
    const objs = await render('-f', join(chart, 'ci', 's3-agent-ingress-values.yaml'));
    const ing = find(objs, 'Ingress', 'enlm-eks-node-log-mcp-server');
    expect(ing?.spec.rules[0].http.paths.map((p: any) => p.backend.service.port.name)).toEqual(['mcp']);
    const sa = find(objs, 'ServiceAccount', 'enlm-eks-node-log-mcp-server');
    expect(sa?.metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/enlm-ci-hub' });
  });

  it('every checkov suppression in the rendered chart carries a reason', async () => {
    for (const values of [[], ['-f', join(chart, 'ci', 's3-agent-ingress-values.yaml')], ['-f', join(chart, 'ci', 'filesystem-no-agent-values.yaml')]]) {
      for (const o of await render(...values)) {
        for (const [k, v] of Object.entries(o.metadata.annotations ?? {})) {
          if (k.startsWith('checkov.io/skip')) expect(v, `${o.kind}/${o.metadata.name} ${k}`).toMatch(/^CKV2?_K8S_\d+=\S.{15,}$/);
        }
      }
    }
  });

  it('suppresses CKV2_K8S_6 on the operator and the hub only when networkPolicy.enabled is false, naming that value', async () => {
    const skip = (objs: Obj[], name: string) => Object.entries(find(objs, 'Deployment', name)?.metadata.annotations ?? {})
      .filter(([, v]) => v.startsWith('CKV2_K8S_6='));
    const off = await render('--set', 'networkPolicy.enabled=false');
    expect(off.filter((o) => o.kind === 'NetworkPolicy')).toEqual([]);
    for (const name of ['enlm-eks-node-log-mcp-operator', 'enlm-eks-node-log-mcp-server']) {
      expect(skip(off, name)).toEqual([['checkov.io/skip-network-policy', expect.stringMatching(/^CKV2_K8S_6=networkPolicy\.enabled is false - /)]]);
    }
    const on = await render();
    expect(on.filter((o) => o.kind === 'NetworkPolicy').map((o) => o.metadata.name).sort())
      .toEqual(['enlm-eks-node-log-mcp-operator', 'enlm-eks-node-log-mcp-server']);
    for (const name of ['enlm-eks-node-log-mcp-operator', 'enlm-eks-node-log-mcp-server']) expect(skip(on, name)).toEqual([]);
  });

  it('renders a PodDisruptionBudget for the operator and for the hub when they run more than one replica, selecting exactly that component\'s pods', async () => {
    const objs = await render('--set', 'storage.type=s3', '--set', 'storage.s3.bucket=bkt-1', '--set', 'operator.pdb.minAvailable=1', '--set', 'server.pdb.minAvailable=2', '--set', 'server.replicas=3');
    for (const [component, minAvailable] of [['operator', 1], ['server', 2]] as const) {
      const name = `enlm-eks-node-log-mcp-${component}`;
      const pdb = find(objs, 'PodDisruptionBudget', name);
      const selector = { matchLabels: { 'app.kubernetes.io/name': 'eks-node-log-mcp', 'app.kubernetes.io/instance': 'enlm', 'app.kubernetes.io/component': component } };
      expect(pdb?.spec, component).toEqual({ minAvailable, selector });
      // The budget guards the pods the Deployment runs: same selector, and its pods carry those labels.
      const dep = find(objs, 'Deployment', name);
      expect(dep?.spec.selector).toEqual(selector);
      expect(dep?.spec.template.metadata.labels).toMatchObject(selector.matchLabels);
    }

    const single = await render('--set', 'storage.type=s3', '--set', 'storage.s3.bucket=bkt-1', '--set', 'operator.replicas=1', '--set', 'server.replicas=1');
    expect(single.filter((o) => o.kind === 'PodDisruptionBudget')).toEqual([]);
    const disabled = await render('--set', 'storage.type=s3', '--set', 'storage.s3.bucket=bkt-1', '--set', 'operator.pdb.enabled=false', '--set', 'server.pdb.enabled=false');
    expect(disabled.filter((o) => o.kind === 'PodDisruptionBudget')).toEqual([]);
  });

  it('lets into the hub only the MCP port (8080) from networkPolicy.mcpClients and the ingest port (8090) from the chart\'s pods and networkPolicy.ingestFromCIDRs', async () => {
    const objs = await render('--set', 'networkPolicy.ingestFromCIDRs={10.1.0.0/16,10.2.0.0/16}');
    const np = find(objs, 'NetworkPolicy', 'enlm-eks-node-log-mcp-server');
    const dep = find(objs, 'Deployment', 'enlm-eks-node-log-mcp-server');
    expect(np?.spec.podSelector).toEqual(dep?.spec.selector);
    expect(np?.spec.policyTypes).toEqual(['Ingress']);
    expect(np?.spec.ingress).toEqual([
      { ports: [{ port: 'mcp', protocol: 'TCP' }], from: [{ namespaceSelector: {}, podSelector: { matchLabels: { 'eks-node-log-mcp.io/client': 'true' } } }] },
      { ports: [{ port: 'ingest', protocol: 'TCP' }], from: [
        { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'eks-node-log-mcp', 'app.kubernetes.io/instance': 'enlm' } } },
        { ipBlock: { cidr: '10.1.0.0/16' } }, { ipBlock: { cidr: '10.2.0.0/16' } },
      ] },
    ]);
    // The named ports are the server container's 8080 and 8090, and it listens on no other.
    expect(container(dep).ports).toEqual([
      { name: 'mcp', containerPort: 8080, protocol: 'TCP' }, { name: 'ingest', containerPort: 8090, protocol: 'TCP' },
    ]);

    // No MCP clients configured: no rule for the MCP port at all, so nothing reaches it.
    const closed = find(await render('--set', 'networkPolicy.mcpClients=null'), 'NetworkPolicy', 'enlm-eks-node-log-mcp-server');
    expect(closed?.spec.ingress.map((r: { ports: { port: string }[] }) => r.ports.map((p) => p.port))).toEqual([['ingest']]);
  });

  it('lets the operator be scraped on its metrics port only by networkPolicy.metricsScrapers, and reach out only to DNS and TCP 443/6443 of networkPolicy.apiServerCIDRs', async () => {
    const objs = await render('--set', 'networkPolicy.apiServerCIDRs={10.42.0.0/16}', '--set', 'networkPolicy.metricsScrapers[0].namespaceSelector.matchLabels.team=obs');
    const np = find(objs, 'NetworkPolicy', 'enlm-eks-node-log-mcp-operator');
    expect(np?.spec.podSelector).toEqual(find(objs, 'Deployment', 'enlm-eks-node-log-mcp-operator')?.spec.selector);
    expect(np?.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(np?.spec.ingress).toEqual([{ ports: [{ port: 'metrics', protocol: 'TCP' }], from: [{ namespaceSelector: { matchLabels: { team: 'obs' } } }] }]);
    expect(np?.spec.egress).toEqual([
      { ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }] },
      { ports: [{ port: 443, protocol: 'TCP' }, { port: 6443, protocol: 'TCP' }], to: [{ ipBlock: { cidr: '10.42.0.0/16' } }] },
    ]);
    expect(container(find(objs, 'Deployment', 'enlm-eks-node-log-mcp-operator')).ports).toContainEqual({ name: 'metrics', containerPort: 9090, protocol: 'TCP' });

    // An empty scraper list admits no one: the policy selects the pods and has no ingress rule.
    const closed = find(await render('--set', 'networkPolicy.metricsScrapers=null'), 'NetworkPolicy', 'enlm-eks-node-log-mcp-operator');
    expect(closed?.spec.ingress ?? []).toEqual([]);
    expect(closed?.spec.policyTypes).toContain('Ingress');
  });

  it('fails helm template with a schema error on an unknown key, at the top level and inside a component', async () => {
    await expect(render('--set', 'severAddress=x')).rejects.toThrow(/values don't meet the specifications of the schema[\s\S]*at '': additional properties 'severAddress' not allowed/);
    await expect(render('--set', 'server.replica=3')).rejects.toThrow(/values don't meet the specifications of the schema[\s\S]*at '\/server': additional properties 'replica' not allowed/);
  });

  it('passes server.oidc to the hub as --oidc-* flags only when enabled, and the schema refuses an OIDC setup that would accept any client or fetch keys in clear text', async () => {
    const hubArgs = async (...a: string[]) => container(find(await render(...a), 'Deployment', 'enlm-eks-node-log-mcp-server')).args as string[];
    expect((await hubArgs()).filter((x) => x.startsWith('--oidc'))).toEqual([]);
    const issuer = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC';
    const args = await hubArgs('--set', 'server.oidc.enabled=true', '--set', `server.oidc.issuer=${issuer}`, '--set', 'server.oidc.clientIds={7gwclient}');
    const from = args.indexOf('--oidc-issuer');
    expect(args.slice(from, from + 10)).toEqual([
      '--oidc-issuer', issuer, '--oidc-client-id', '7gwclient', '--oidc-algorithm', 'RS256', '--oidc-username-claim', 'sub', '--oidc-group', 'eks-node-log-mcp:gateway',
    ]);
    await expect(hubArgs('--set', 'server.oidc.enabled=true', '--set', `server.oidc.issuer=${issuer}`)).rejects.toThrow(/schema[\s\S]*oidc/);
    await expect(hubArgs('--set', 'server.oidc.enabled=true', '--set', 'server.oidc.issuer=http://idp.example.com', '--set', 'server.oidc.audiences={hub}')).rejects.toThrow(/schema[\s\S]*issuer/);
    await expect(hubArgs('--set', 'server.oidc.enabled=true', '--set', `server.oidc.issuer=${issuer}`, '--set', 'server.oidc.audiences={hub}', '--set', 'server.oidc.groups={system:masters}')).rejects.toThrow(/schema[\s\S]*groups/);
  });

  it('renders the agent container\'s resource requests and limits from agent.resources', async () => {
    const dflt = container(find(await render(), 'DaemonSet', 'enlm-eks-node-log-mcp-agent'));
    expect(dflt.resources).toEqual({ requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '384Mi' } });
    const set = container(find(await render('--set', 'agent.resources.limits.cpu=750m', '--set', 'agent.resources.limits.memory=1Gi', '--set', 'agent.resources.requests.cpu=100m'), 'DaemonSet', 'enlm-eks-node-log-mcp-agent'));
    expect(set.resources).toEqual({ requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '750m', memory: '1Gi' } });
  });
});
