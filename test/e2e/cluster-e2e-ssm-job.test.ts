import { PutObjectCommand } from '@aws-sdk/client-s3';
import type * as k8s from '@kubernetes/client-node';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FsBundleStore } from '../../core/store/fs-store.js';
import { GROUP, NLC_PLURAL, VERSION } from '../../operator/resources.js';
import { writeSampleBundle } from '../fixtures/sample-bundle.js';
import { waitFor } from '../helpers/kube-fixtures.js';
import { AWS_TEST_ENV, createReader, type E2eCluster, NODE, NS, REGION, SA, SSM_INSTANCE, SSM_NODE, startE2eCluster } from './e2e-cluster.js';

/**
 * Issue 6's end-to-end test of the two backends that do not go through the agent DaemonSet, on the
 * same real installation as cluster-e2e.test.ts (e2e-cluster.ts). SSM: against moto behind the
 * test-only SSM front (test/README.md); the test plays what the runbook would do on the node,
 * upload the archive. Job: no kubelet runs, so the test runs the one-shot Pod's command itself.
 *   npm run test:e2e
 */
describe('end to end on a real API server: the SSM and job backends', () => {
  let e: E2eCluster;

  beforeAll(async () => {
    e = await startE2eCluster({ motoEndpoint: inject('motoEndpoint'), ssmEndpoint: inject('ssmEndpoint') });
    await createReader(e, 'sre-reader');
  }, 300_000);

  afterAll(async () => {
    await e?.stop();
  });

  it('SSM path: auto picks SSM for a node without an agent; an operator crash mid-run starts no second automation; the upload the test plays is ingested and served over MCP', async () => {
    const before = await e.frontJson<{ executions: number }>('/__front/stats');
    const manifest = join(e.work, 'nlc-ssm.yaml');
    await writeFile(manifest, [
      `apiVersion: ${GROUP}/${VERSION}`, 'kind: NodeLogCollection', 'metadata:', '  name: by-ssm', `  namespace: ${NS}`,
      'spec:', `  nodeName: ${SSM_NODE}`, '  method: auto', '',
    ].join('\n'));
    await e.kubectl('apply', '-f', manifest);
    await waitFor(async () => Boolean((await e.getNlc('by-ssm')).status?.ssmExecutionId), 60_000, `automation started\n${e.logs()}`);
    const started = await e.getNlc('by-ssm');
    expect(started.status).toMatchObject({ phase: 'Collecting', method: 'ssm', nodeName: SSM_NODE, instanceId: SSM_INSTANCE, region: REGION });
    const executionId = started.status!.ssmExecutionId!;
    // the runbook is still running on the node until the test has played its upload
    await e.frontJson(`/__front/automation/${executionId}/status`, { status: 'InProgress' });
    const ours = async () => (await e.frontJson<Array<{ id: string; clientToken: string; documentName: string; parameters: Record<string, string[]> }>>('/__front/automation')).filter((x) => x.clientToken === started.metadata!.uid);
    expect(await ours()).toEqual([expect.objectContaining({ id: executionId, documentName: 'AWSSupport-CollectEKSInstanceLogs', parameters: expect.objectContaining({ EKSInstanceId: [SSM_INSTANCE], LogDestination: [e.bucket] }) })]);

    // a crash, not a clean stop: no lease release, so the replacement takes over once the lease expires
    const first = e.procs.find((p) => p.name === 'operator')!.child;
    const exited = new Promise((r) => first.once('exit', r));
    first.kill('SIGKILL');
    await exited;
    e.start('operator-restarted', e.operatorArgs, AWS_TEST_ENV);

    // the runbook's part: eks-log-collector.sh's archive lands in the bucket root, then the execution ends
    const { archive } = await writeSampleBundle(join(e.work, 'ssm-upload'));
    const now = new Date().toISOString();
    const key = `eks_${SSM_INSTANCE}_${now.slice(0, 10)}_${now.slice(11, 13)}${now.slice(14, 16)}-UTC_0.7.8.tar.gz`;
    await e.s3.send(new PutObjectCommand({ Bucket: e.bucket, Key: key, Body: await readFile(archive) }));
    await e.frontJson(`/__front/automation/${executionId}/status`, { status: 'Success' });
    await waitFor(async () => ['Completed', 'Failed'].includes((await e.getNlc('by-ssm')).status?.phase ?? ''), 120_000, `SSM collection finished\n${e.logs()}`);
    const done = await e.getNlc('by-ssm');
    expect(done.status?.phase, `${done.status?.message}\n${e.logs()}`).toBe('Completed');
    expect(done.status).toMatchObject({ method: 'ssm', ssmExecutionId: executionId });
    expect(done.status?.bundle?.files).toBeGreaterThan(5);
    expect(done.status?.findings?.total).toBeGreaterThan(0);
    expect(await ours()).toHaveLength(1);
    expect((await e.frontJson<{ executions: number }>('/__front/stats')).executions - before.executions).toBe(1);

    // the hub serves what the operator ingested: the same bundle, the same counts
    const reader = await e.connect(await e.saToken('sre-reader'));
    const f = await e.mcpFindings(reader, SSM_NODE, done.status!.bundle!.id!);
    await reader.close();
    const { total, critical, high, warning, info, top } = done.status!.findings!;
    expect(f.bundle).toMatchObject({ node: SSM_NODE, bundleId: done.status!.bundle!.id });
    expect(f.total_matching).toBe(total);
    expect(f.summary).toEqual({ critical, high, warning, info });
    expect(f.findings.map((x) => x.id)).toEqual(expect.arrayContaining((top ?? []).map((t) => t.id)));
  }, 240_000);

  it('job method: the one-shot pod the operator creates, its command run as the kubelet would run it (agent --once), completes the collection', async () => {
    await e.custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, plural: NLC_PLURAL, namespace: NS, body: {
      apiVersion: `${GROUP}/${VERSION}`, kind: 'NodeLogCollection', metadata: { name: 'by-job' }, spec: { nodeName: NODE, method: 'job', categories: ['Base'], since: '10m' },
    } });
    let pod: k8s.V1Pod | undefined;
    await waitFor(async () => Boolean((pod = (await e.core.listNamespacedPod({ namespace: NS, labelSelector: 'eksnodelog.io/collection=by-job' })).items[0])), 30_000, `collector pod created\n${e.logs()}`);
    const spec = pod!.spec!;
    const c = spec.containers[0]!;
    expect(spec).toMatchObject({ nodeName: NODE, serviceAccountName: SA.agent, hostPID: true });
    expect(c.args?.slice(0, 2)).toEqual(['agent', '--once']);

    // No kubelet runs here, so the test is the kubelet: the container's args verbatim (the image's
    // entrypoint is `node dist/cli/main.js`), its env with the hostPath mount mapped back to the host
    // path, its service account as the in-cluster credentials, and its projected hub token as a file.
    // (This sandbox refuses nsenter into PID 1, so --in-pod's host commands are recorded as failed
    // sources in the manifest; the host's files are read through HOST_ROOT.)
    const volume = (name: string) => spec.volumes!.find((v) => v.name === name)!;
    const hostMount = c.volumeMounts!.find((m) => volume(m.name).hostPath)!;
    const env = Object.fromEntries((c.env ?? []).map((v) => [v.name, v.value === hostMount.mountPath ? volume(hostMount.name).hostPath!.path : v.value!]));
    const tokenMount = c.volumeMounts!.find((m) => volume(m.name).projected)!;
    const projected = volume(tokenMount.name).projected!.sources![0]!.serviceAccountToken!;
    const tokenFile = join(e.work, 'job-token');
    await writeFile(tokenFile, await e.saToken(spec.serviceAccountName!, [projected.audience!]), { mode: 0o600 });
    const child = e.start('job-pod', [...c.args!, '--kubeconfig', await e.saKubeconfig(spec.serviceAccountName!), '--token-file', tokenFile], env);
    const code = await new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (n) => resolve(n))));
    expect(code, e.logs()).toBe(0);

    await waitFor(async () => (await e.getNlc('by-job')).status?.phase === 'Completed', 30_000, `job collection completed\n${e.logs()}`);
    const nlc = await e.getNlc('by-job');
    expect(nlc.status).toMatchObject({ method: 'job', nodeName: NODE });
    const manifest = JSON.parse((await new FsBundleStore(join(e.work, 'store')).getBuffer(`bundles/${NODE}/${nlc.status!.bundle!.id}/manifest.json`)).toString()) as { method: string; files: Array<{ path: string }> };
    expect(manifest.method).toBe('job');
    expect(manifest.files.map((f) => f.path)).toEqual(expect.arrayContaining(['collector-manifest.json', 'system/os-release.txt']));
    expect(nlc.status?.conditions?.find((x) => x.type === 'Uploaded')).toMatchObject({ status: 'True', reason: 'HubAccepted' });
    // a finished job's pod is the operator's to remove (it stays Terminating: no kubelet confirms)
    await waitFor(async () => e.core.readNamespacedPod({ namespace: NS, name: pod!.metadata!.name! }).then((p) => Boolean(p.metadata?.deletionTimestamp), (err: { code?: number }) => err.code === 404), 15_000, 'collector pod deleted');
  }, 180_000);
});
