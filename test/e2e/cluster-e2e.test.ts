import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { GROUP, NLC_PLURAL, PCAP_PLURAL, VERSION } from '../../operator/resources.js';
import { stopChild } from '../env/procs.js';
import { waitFor } from '../helpers/kube-fixtures.js';
import { createNetnsLab, type NetnsLab, TRAFFIC_SCRIPT } from '../helpers/netns-lab.js';
import { createReader, type E2eCluster, NODE, NS, startE2eCluster } from './e2e-cluster.js';

/**
 * Issue 6's end-to-end test, everything real on this machine (e2e-cluster.ts: kube-apiserver +
 * etcd, the chart's service accounts and RBAC, hub, operator and agent from dist/): the agent path.
 * No kubelet runs, so the test writes what a kubelet would: the agent pod's Ready status, and a real
 * (cgroup v1) kubepods cgroup for the capture target pod. The SSM and job backends:
 * cluster-e2e-ssm-job.test.ts.
 *   npm run test:e2e
 */
const exec = promisify(execFile);

describe('end to end on a real API server', () => {
  let e: E2eCluster;

  beforeAll(async () => {
    e = await startE2eCluster({ motoEndpoint: inject('motoEndpoint'), ssmEndpoint: inject('ssmEndpoint') });
  }, 300_000);

  afterAll(async () => {
    await e?.stop();
  });

  it('kubectl apply of a NodeLogCollection ends Completed with finding counts, collected from this host by the agent', async () => {
    const manifest = join(e.work, 'nlc.yaml');
    await writeFile(manifest, [
      `apiVersion: ${GROUP}/${VERSION}`, 'kind: NodeLogCollection', 'metadata:', '  name: this-host', `  namespace: ${NS}`,
      'spec:', `  nodeName: ${NODE}`, '  categories: [Base, Networking, System]', '  since: 30m', '',
    ].join('\n'));
    // this host is no sick EKS node and its own logs may hold no finding at all: for counts known to
    // be > 0, it gets what the VPC CNI logs on a node whose subnet is out of addresses, only while collected
    const cniDir = '/var/log/aws-routed-eni';
    const madeDir = !existsSync(cniDir);
    const cniLog = join(cniDir, 'ipamd-enlm-e2e.log');
    await mkdir(cniDir, { recursive: true });
    await writeFile(cniLog, `${JSON.stringify({ level: 'error', ts: new Date().toISOString(), caller: 'ipamd/ipamd.go:1073', msg: 'Failed to increase pool size due to not able to allocate ENI AllocENI: failed to create ENI: failed to create network interface: InsufficientFreeAddressesInSubnet: The specified subnet does not have enough free addresses to satisfy the request.' })}\n`);
    try {
      await e.kubectl('apply', '-f', manifest);
      await waitFor(async () => ['Completed', 'Failed'].includes((await e.getNlc('this-host')).status?.phase ?? ''), 240_000, `collection finished\n${e.logs()}`);
    } finally {
      await rm(cniLog, { force: true });
      if (madeDir) await rmdir(cniDir).catch(() => undefined);
    }
    const nlc = await e.getNlc('this-host');
    expect(nlc.status?.phase, `${nlc.status?.message}\n${e.logs()}`).toBe('Completed');
    expect(nlc.status).toMatchObject({ method: 'agent', nodeName: NODE, instanceId: 'i-0e2e0e2e0e2e0e2e0' });
    expect(nlc.status?.bundle?.files).toBeGreaterThan(10);
    expect(nlc.status?.findings?.total).toBeGreaterThan(0);
    expect(nlc.status?.findings?.top?.map((t) => t.code)).toContain('IPAMDNoIPs');
    expect(nlc.status?.conditions?.find((c) => c.type === 'Uploaded')).toMatchObject({ status: 'True' });
    const { stdout } = await e.kubectl('get', 'nlc', 'this-host', '-n', NS);
    expect(stdout).toMatch(/Completed/);
  }, 300_000);

  it('an MCP client with a service-account token bound to read collections gets the findings; one without RBAC gets 403 (also through the MCP client of scripts/e2e-kind.sh)', async () => {
    await createReader(e, 'sre-reader');
    await e.kubectl('create', 'serviceaccount', 'nobody', '-n', NS);
    const reader = await e.connect(await e.saToken('sre-reader'));
    const r = await reader.callTool({ name: 'status', arguments: { node: NODE } });
    expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
    // the findings the hub serves are those of the bundle the collection's status names, count for count
    const nlc = await e.getNlc('this-host');
    const f = await e.mcpFindings(reader, NODE, nlc.status!.bundle!.id!);
    await reader.close();
    const { total, critical, high, warning, info, top } = nlc.status!.findings!;
    expect(f.bundle).toMatchObject({ node: NODE, bundleId: nlc.status!.bundle!.id });
    expect(f.total_matching).toBeGreaterThan(0);
    expect(f.total_matching).toBe(total);
    expect(f.summary).toEqual({ critical, high, warning, info });
    expect(f.findings.map((x) => x.id)).toEqual(expect.arrayContaining((top ?? []).map((t) => t.id)));

    const nobody = await e.connect(await e.saToken('nobody'));
    const denied = await nobody.callTool({ name: 'errors', arguments: { node: NODE } }).then(
      () => 'allowed',
      (err: Error) => err.message,
    );
    expect(denied).toMatch(/403|forbidden/i);
    await nobody.close().catch(() => undefined);

    // scripts/e2e-kind.sh makes these two checks with dist/test/e2e/kind-mcp-check.js; it cannot run
    // here (no Docker), so its MCP client is proved on this hub instead
    const files = { nlc: join(e.work, 'kind-nlc.json'), reader: join(e.work, 'kind-reader.token'), nobody: join(e.work, 'kind-nobody.token') };
    await writeFile(files.nlc, JSON.stringify(nlc));
    await writeFile(files.reader, await e.saToken('sre-reader'), { mode: 0o600 });
    await writeFile(files.nobody, await e.saToken('nobody'), { mode: 0o600 });
    const kindCheck = (mode: string, ...args: string[]) => exec(join('node_modules', '.bin', 'node'), [join('dist', 'test', 'e2e', 'kind-mcp-check.js'), mode, e.mcpUrl, ...args]);
    expect((await kindCheck('read', files.reader, files.nlc)).stdout).toMatch(`MCP read ${total} findings of bundle ${nlc.status!.bundle!.id}`);
    expect((await kindCheck('denied', files.nobody, NODE)).stdout).toMatch(/refused a token without RBAC/);
    await expect(kindCheck('denied', files.reader, NODE)).rejects.toMatchObject({ code: 1 });
  }, 120_000);

  it('rides out a hub outage: the agent retries, the status says so, and the collection completes once the hub is back', async () => {
    const hub = e.procs.find((p) => p.name === 'hub')!;
    await stopChild(hub.child);
    await e.custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, plural: NLC_PLURAL, namespace: NS, body: {
      apiVersion: `${GROUP}/${VERSION}`, kind: 'NodeLogCollection', metadata: { name: 'during-outage' }, spec: { nodeName: NODE, categories: ['Base'], since: '10m' },
    } });
    await waitFor(async () => {
      const c = (await e.getNlc('during-outage')).status?.conditions?.find((x) => x.type === 'Uploaded');
      return c?.status === 'False' && c.reason === 'HubUnavailable';
    }, 120_000, `agent reports the hub outage\n${e.logs()}`);
    expect((await e.getNlc('during-outage')).status?.phase).toBe('Collecting');
    e.start('hub-restarted', e.hubArgs);
    await waitFor(async () => (await e.getNlc('during-outage')).status?.phase === 'Completed', 120_000, `completed after the hub came back\n${e.logs()}`);
    // the hub writes phase Completed before it answers the agent; the agent's own Uploaded=True report follows that answer
    await waitFor(async () => (await e.getNlc('during-outage')).status?.conditions?.find((x) => x.type === 'Uploaded')?.status === 'True', 30_000, `agent reports the accepted upload\n${e.logs()}`);
    expect((await e.getNlc('during-outage')).status?.conditions?.find((x) => x.type === 'Uploaded')).toMatchObject({ status: 'True', reason: 'HubAccepted' });
  }, 300_000);

  it('deleting a running PacketCapture stops the capture on the node', async () => {
    const tcpdumps = async () => (await exec('ps', ['-eo', 'args']).then((r) => r.stdout)).split('\n').filter((l) => l.includes('tcpdump') && l.includes('udp port 9'));
    await e.custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PCAP_PLURAL, namespace: NS, body: {
      apiVersion: `${GROUP}/${VERSION}`, kind: 'PacketCapture', metadata: { name: 'long-capture' }, spec: { nodeName: NODE, durationSeconds: 600, filter: 'udp port 9' },
    } });
    await waitFor(async () => (await tcpdumps()).length > 0, 30_000, `tcpdump running\n${e.logs()}`);
    await e.custom.deleteNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PCAP_PLURAL, namespace: NS, name: 'long-capture' });
    await waitFor(async () => (await tcpdumps()).length === 0, 15_000, `tcpdump stopped\n${e.logs()}`);
    await waitFor(async () => e.getPcap('long-capture').then(() => false, (err: { code?: number }) => err.code === 404), 15_000, 'capture gone');
  }, 120_000);

  describe('a PacketCapture of a pod', () => {
    let lab: NetnsLab;
    let cgroupDirs: string[] = [];
    beforeAll(async () => {
      lab = await createNetnsLab();
    });
    afterAll(async () => {
      for (const d of cgroupDirs.reverse()) await rmdir(d).catch(() => undefined);
      await lab?.destroy();
    });

    it('targets the pod network namespace through its kubepods cgroup and completes with the traffic analysed', async () => {
      // the pod as the API server knows it, and as the kubelet lays it out: a cgroupfs-driver
      // kubepods cgroup (v1, pids controller) holding a process that lives in the pod's netns
      const pod = await e.core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'dns-client' }, spec: { nodeName: NODE, containers: [{ name: 'c', image: 'busybox' }] } } });
      const uid = pod.metadata!.uid!;
      const podDir = `/sys/fs/cgroup/pids/kubepods/besteffort/pod${uid}`;
      const ctrDir = join(podDir, 'c0ffee');
      for (const d of ['/sys/fs/cgroup/pids/kubepods', '/sys/fs/cgroup/pids/kubepods/besteffort', podDir, ctrDir]) {
        if (!existsSync(d)) {
          await mkdir(d);
          cgroupDirs.push(d);
        }
      }
      await writeFile(join(ctrDir, 'cgroup.procs'), String(lab.pid));

      await e.custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PCAP_PLURAL, namespace: NS, body: {
        apiVersion: `${GROUP}/${VERSION}`, kind: 'PacketCapture', metadata: { name: 'dns-client-capture' },
        spec: { podRef: { namespace: 'default', name: 'dns-client' }, durationSeconds: 8, filter: 'udp port 53 or tcp' },
      } });
      await waitFor(async () => Boolean((await e.getPcap('dns-client-capture')).status?.conditions?.some((c) => c.type === 'AgentCollecting')), 30_000, `agent started the capture\n${e.logs()}`);
      await new Promise((r) => setTimeout(r, 1500));
      const out = JSON.parse(await lab.runInNs(TRAFFIC_SCRIPT, [lab.hostIp, String(lab.tcpPort), String(lab.closedPort)])) as { nx: number; refused: string };
      expect(out).toMatchObject({ nx: 3, refused: 'ECONNREFUSED' });
      await waitFor(async () => ['Completed', 'Failed'].includes((await e.getPcap('dns-client-capture')).status?.phase ?? ''), 60_000, `capture finished\n${e.logs()}`);
      const pc = await e.getPcap('dns-client-capture');
      expect(pc.status?.phase, `${pc.status?.message}\n${e.logs()}`).toBe('Completed');
      expect(pc.status).toMatchObject({ method: 'agent', nodeName: NODE, podUid: uid });
      expect(pc.status?.packets).toBeGreaterThanOrEqual(6);
      expect(pc.status?.anomalies?.total).toBeGreaterThanOrEqual(1);
    }, 120_000);
  });
});
