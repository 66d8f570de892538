import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetAutomationExecutionCommand, SSMClient } from '@aws-sdk/client-ssm';
import * as k8s from '@kubernetes/client-node';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FsBundleStore } from '../../core/store/fs-store.js';
import { GROUP, NLC_PLURAL, type NodeLogCollection, VERSION } from '../../operator/resources.js';
import { runOperator } from '../../operator/run-operator.js';
import { testOperatorOptions } from '../helpers/operator-options.js';
import { type ControlPlane, startControlPlane } from '../env/kube.js';
import { writeSampleBundle } from '../fixtures/sample-bundle.js';
import { createNode, ensureNamespace, installCrds, mergePatch, waitFor } from '../helpers/kube-fixtures.js';

// The SSM path (DESIGN §7) on the real API server + moto behind the SSM front (test/README.md: the
// front emulates StartAutomationExecution/GetAutomationExecution, the one emulated surface). The
// node's part — the runbook uploading eks-log-collector.sh's archive — is played by the test.
const NS = 'enlm-ssm';
const NODE = 'ip-10-0-3-30.ec2.internal';
const INSTANCE = 'i-0ccccccccccccccc1';
const creds = { accessKeyId: 'testing', secretAccessKey: 'testing' };

describe('operator SSM method', () => {
  let cp: ControlPlane;
  let kc: k8s.KubeConfig;
  let custom: k8s.CustomObjectsApi;
  let storeDir: string;
  let work: string;
  let front: string;
  let bucket: string;
  let op: Awaited<ReturnType<typeof runOperator>> | undefined;

  const start = (identity: string) =>
    runOperator(testOperatorOptions(kc, NS, storeDir, { identity, ssm: { bucket, region: 'us-east-1', endpoint: front, credentials: creds } }));
  const get = (name: string) => custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, plural: NLC_PLURAL, namespace: NS, name }) as Promise<NodeLogCollection>;
  const create = (name: string, spec: Record<string, unknown>) =>
    custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, plural: NLC_PLURAL, namespace: NS, body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'NodeLogCollection', metadata: { name }, spec } });
  const remove = (name: string) => custom.deleteNamespacedCustomObject({ group: GROUP, version: VERSION, plural: NLC_PLURAL, namespace: NS, name });
  const gone = async (name: string) => get(name).then(() => false, (err: { code?: number }) => err.code === 404);
  const executionStatus = async (id: string) => {
    const ssm = new SSMClient({ region: 'us-east-1', endpoint: front, credentials: creds });
    try {
      return (await ssm.send(new GetAutomationExecutionCommand({ AutomationExecutionId: id }))).AutomationExecution?.AutomationExecutionStatus;
    } finally {
      ssm.destroy();
    }
  };
  const frontJson = async (path: string, body?: unknown) => (await fetch(`${front}${path}`, body ? { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {})).json();

  beforeAll(async () => {
    front = inject('ssmEndpoint');
    cp = await startControlPlane();
    kc = new k8s.KubeConfig();
    kc.loadFromFile(cp.kubeconfigPath);
    custom = kc.makeApiClient(k8s.CustomObjectsApi);
    await installCrds(cp);
    await ensureNamespace(kc, NS);
    await createNode(kc, NODE, INSTANCE, 'us-east-1b');
    storeDir = await mkdtemp(join(tmpdir(), 'enlm-ssm-store-'));
    work = await mkdtemp(join(tmpdir(), 'enlm-ssm-work-'));
    bucket = `enlm-ssm-${randomUUID().slice(0, 8)}`;
    await new S3Client({ region: 'us-east-1', endpoint: inject('motoEndpoint'), credentials: creds, forcePathStyle: true }).send(new CreateBucketCommand({ Bucket: bucket }));
  });
  afterAll(async () => {
    await op?.stop();
    await cp?.stop();
    await rm(storeDir, { recursive: true, force: true });
    await rm(work, { recursive: true, force: true });
  });

  it('starts one automation, survives an operator restart without a second execution, and ingests what the runbook uploaded', async () => {
    const before = (await frontJson('/__front/stats')) as { executions: number };
    op = await start('ssm-op-1');
    await custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, plural: NLC_PLURAL, namespace: NS, body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'NodeLogCollection', metadata: { name: 'by-ssm' }, spec: { nodeName: NODE, method: 'ssm' } } });
    await waitFor(async () => Boolean((await get('by-ssm')).status?.ssmExecutionId), 20_000, 'execution recorded');
    const first = await get('by-ssm');
    expect(first.status).toMatchObject({ phase: 'Collecting', method: 'ssm', instanceId: INSTANCE, region: 'us-east-1' });
    const executions = (await frontJson('/__front/automation')) as Array<{ id: string; documentName: string; parameters: Record<string, string[]>; clientToken: string }>;
    const ex = executions.find((e) => e.id === first.status!.ssmExecutionId)!;
    expect(ex).toMatchObject({ documentName: 'AWSSupport-CollectEKSInstanceLogs', clientToken: first.metadata!.uid, parameters: { EKSInstanceId: [INSTANCE], LogDestination: [bucket] } });

    // crash between "started" and "recorded": stop the operator and erase the id it wrote
    await op.stop();
    op = undefined;
    await custom.patchNamespacedCustomObjectStatus({ group: GROUP, version: VERSION, plural: NLC_PLURAL, namespace: NS, name: 'by-ssm', body: { status: { ssmExecutionId: null } } }, mergePatch);
    op = await start('ssm-op-2');
    await waitFor(async () => (await get('by-ssm')).status?.ssmExecutionId === ex.id, 30_000, 'same execution re-found');
    const after = (await frontJson('/__front/stats')) as { executions: number };
    expect(after.executions - before.executions).toBe(1);

    // the runbook's part: upload eks-log-collector.sh's archive, then finish the execution
    const { archive } = await writeSampleBundle(work);
    const key = `eks_${INSTANCE}_2026-11-24_1200-UTC_0.7.8.tar.gz`;
    await new S3Client({ region: 'us-east-1', endpoint: inject('motoEndpoint'), credentials: creds, forcePathStyle: true }).send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: await readFile(archive) }));
    await frontJson(`/__front/automation/${ex.id}/status`, { status: 'Success' });
    await waitFor(async () => (await get('by-ssm')).status?.phase === 'Completed', 30_000, 'Completed');
    const done = await get('by-ssm');
    expect(done.status?.findings?.total).toBeGreaterThan(0);
    expect(done.status?.findings?.top?.length).toBeGreaterThan(0);
    expect(done.status?.bundle?.files).toBeGreaterThan(5);
    const stored = await new FsBundleStore(storeDir).getBuffer(`bundles/${NODE}/${done.status!.bundle!.id}/findings.json`);
    expect(JSON.parse(stored.toString()).summary).toMatchObject({ critical: done.status!.findings!.critical });
  });

  it('fails the collection with the runbook failure when the automation fails', async () => {
    await custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, plural: NLC_PLURAL, namespace: NS, body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'NodeLogCollection', metadata: { name: 'ssm-fails' }, spec: { instanceId: INSTANCE, method: 'ssm' } } });
    await waitFor(async () => Boolean((await get('ssm-fails')).status?.ssmExecutionId), 20_000, 'execution recorded');
    const id = (await get('ssm-fails')).status!.ssmExecutionId!;
    await frontJson(`/__front/automation/${id}/status`, { status: 'Failed', failureMessage: 'Step fails when it is executing: instance not managed' });
    await waitFor(async () => (await get('ssm-fails')).status?.phase === 'Failed', 20_000, 'Failed');
    expect((await get('ssm-fails')).status?.message).toMatch(/instance not managed/);
  });

  it('reaches an instance that is no Kubernetes Node in the operator\'s SSM region, and files its bundle under the instance id', async () => {
    const orphan = 'i-0ccccccccccccccc9';
    await custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, plural: NLC_PLURAL, namespace: NS, body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'NodeLogCollection', metadata: { name: 'no-node' }, spec: { instanceId: orphan } } });
    await waitFor(async () => Boolean((await get('no-node')).status?.ssmExecutionId) || (await get('no-node')).status?.phase === 'Failed', 20_000, 'execution recorded');
    const started = await get('no-node');
    expect(started.status, started.status?.message).toMatchObject({ phase: 'Collecting', method: 'ssm', instanceId: orphan, region: 'us-east-1' });
    expect(started.status?.nodeName).toBeUndefined();
    const executions = (await frontJson('/__front/automation')) as Array<{ id: string; region: string; parameters: Record<string, string[]> }>;
    expect(executions.find((e) => e.id === started.status!.ssmExecutionId)).toMatchObject({ region: 'us-east-1', parameters: { EKSInstanceId: [orphan], LogDestination: [bucket] } });

    const { archive } = await writeSampleBundle(join(work, 'orphan'));
    await new S3Client({ region: 'us-east-1', endpoint: inject('motoEndpoint'), credentials: creds, forcePathStyle: true }).send(new PutObjectCommand({ Bucket: bucket, Key: `eks_${orphan}_2026-11-24_1300-UTC_0.7.8.tar.gz`, Body: await readFile(archive) }));
    await frontJson(`/__front/automation/${started.status!.ssmExecutionId}/status`, { status: 'Success' });
    await waitFor(async () => (await get('no-node')).status?.phase === 'Completed', 30_000, 'Completed');
    const done = await get('no-node');
    expect(done.status?.findings?.total).toBeGreaterThan(0);
    expect(done.status?.bundle?.uri).toContain(`bundles/${orphan}/`);
    const stored = await new FsBundleStore(storeDir).getBuffer(`bundles/${orphan}/${done.status!.bundle!.id}/findings.json`);
    expect(JSON.parse(stored.toString()).summary).toMatchObject({ critical: done.status!.findings!.critical });
  });

  it('deleting a collection whose automation is running stops the execution (Cancelled) before the finalizer lets the object go', async () => {
    op ??= await start('ssm-op-3');
    await create('cancel-me', { nodeName: NODE, method: 'ssm' });
    await waitFor(async () => Boolean((await get('cancel-me')).status?.ssmExecutionId), 20_000, 'execution recorded');
    const id = (await get('cancel-me')).status!.ssmExecutionId!;
    // hold it running: the runbook would take minutes on a real node
    await frontJson(`/__front/automation/${id}/status`, { status: 'InProgress' });
    expect(await executionStatus(id)).toBe('InProgress');

    await remove('cancel-me');
    await waitFor(() => gone('cancel-me'), 20_000, 'collection gone');
    expect(await executionStatus(id)).toBe('Cancelled');
  });

  it('deleting a collection whose execution already ended, or no longer exists, still lets the object go', async () => {
    op ??= await start('ssm-op-4');
    // ended: Success with no archive yet, so the collection is still Collecting (waiting for the
    // upload); an instance of its own, as NODE's archives from the tests above are still in the bucket
    await create('ended-run', { instanceId: 'i-0ccccccccccccccc7', method: 'ssm' });
    await waitFor(async () => Boolean((await get('ended-run')).status?.ssmExecutionId), 20_000, 'execution recorded');
    const ended = (await get('ended-run')).status!.ssmExecutionId!;
    await frontJson(`/__front/automation/${ended}/status`, { status: 'Success' });
    await waitFor(async () => /waiting for the archive/.test((await get('ended-run')).status?.message ?? ''), 20_000, 'waiting for the archive');
    // unknown: an id SSM does not know (executions expire on AWS); the poll fails, the collection stays Collecting
    await create('unknown-run', { nodeName: NODE, method: 'ssm' });
    await waitFor(async () => Boolean((await get('unknown-run')).status?.ssmExecutionId), 20_000, 'execution recorded');
    await custom.patchNamespacedCustomObjectStatus({ group: GROUP, version: VERSION, plural: NLC_PLURAL, namespace: NS, name: 'unknown-run', body: { status: { ssmExecutionId: randomUUID() } } }, mergePatch);

    await remove('ended-run');
    await remove('unknown-run');
    await waitFor(async () => (await gone('ended-run')) && (await gone('unknown-run')), 20_000, 'both collections gone');
    expect(await executionStatus(ended)).toBe('Success');
  });
});
