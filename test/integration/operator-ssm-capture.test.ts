import { existsSync } from 'node:fs';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { type Command, GetCommandInvocationCommand, ListCommandsCommand, SSMClient } from '@aws-sdk/client-ssm';
import * as k8s from '@kubernetes/client-node';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import dgram from 'node:dgram';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { collectionBundleId } from '../../core/bundle/bundle-id.js';
import { analyzePcap } from '../../core/pcap/analyze.js';
import { captureKeys } from '../../core/query/captures.js';
import { FsBundleStore } from '../../core/store/fs-store.js';
import { CAPTURE_DOCUMENT, CAPTURE_SCRIPT, captureComment, captureObjectKey, DEFAULT_CAPTURE_PREFIX } from '../../operator/backends/ssm-capture.js';
import { GROUP, type PacketCapture, PCAP_PLURAL, VERSION } from '../../operator/resources.js';
import { runOperator } from '../../operator/run-operator.js';
import { testOperatorOptions } from '../helpers/operator-options.js';
import type { ControlPlane } from '../env/kube.js';
import { knownScenario } from '../helpers/pcap-scenario.js';
import { ether, pcapFile } from '../helpers/pcap-synth.js';
import { createNode, mergePatch, startTestCluster, waitFor } from '../helpers/kube-fixtures.js';

// PacketCapture over SSM SendCommand (DESIGN.md §7) on the real API server + moto behind the SSM
// front, which passes SendCommand / GetCommandInvocation / ListCommands through to moto (only the
// status of a command a test holds running is the front's) and answers CancelCommand, which moto
// lacks (test/README.md). moto's commands "succeed" at once and run nothing: the node's part (the fixed script capturing and
// uploading) is played by the test — a synthesized pcap put into the bucket, and once for real: the
// exact command text the operator sent, run with sh on this host (tcpdump on lo, `aws s3 cp` to moto).
const exec = promisify(execFile);
const NS = 'enlm-ssm-pcap';
const creds = { accessKeyId: 'testing', secretAccessKey: 'testing' };
// characters a shell would act on if the filter were ever put into a command line: ( ) > &
const FILTER = 'udp port 53 and (host 172.20.0.10 or host 10.0.1.10) and greater 40';

describe('operator PacketCapture over SSM SendCommand', () => {
  let cp: ControlPlane;
  let kc: k8s.KubeConfig;
  let custom: k8s.CustomObjectsApi;
  let storeDir: string;
  let bucket: string;
  let s3: S3Client;
  let ssm: SSMClient;
  let op: Awaited<ReturnType<typeof runOperator>> | undefined;
  const suffix = randomUUID().replace(/-/g, '').slice(0, 12);
  const nodes = { a: { name: 'ip-10-0-4-40.ec2.internal', instance: `i-0a${suffix}` }, b: { name: 'ip-10-0-4-41.ec2.internal', instance: `i-0b${suffix}` }, c: { name: 'ip-10-0-4-42.ec2.internal', instance: `i-0c${suffix}` },
    d: { name: 'ip-10-0-4-43.ec2.internal', instance: `i-0d${suffix}` }, e: { name: 'ip-10-0-4-44.ec2.internal', instance: `i-0e${suffix}` } };

  const start = (identity: string) =>
    runOperator(testOperatorOptions(kc, NS, storeDir, { identity, ssm: { bucket, region: 'us-east-1', endpoint: inject('ssmEndpoint'), credentials: creds } }));
  const restart = async (identity: string) => {
    await op?.stop();
    op = undefined;
    op = await start(identity);
  };
  const get = (name: string) => custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PCAP_PLURAL, namespace: NS, name }) as Promise<PacketCapture>;
  const create = (name: string, spec: Record<string, unknown>) =>
    custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PCAP_PLURAL, namespace: NS, body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'PacketCapture', metadata: { name }, spec } });
  const commandsFor = async (instanceId: string): Promise<Command[]> => (await ssm.send(new ListCommandsCommand({ InstanceId: instanceId }))).Commands ?? [];
  const reconcilesOf = async (o: NonNullable<typeof op>) => (await o.metrics.reconciles.get()).values.filter((v) => v.labels.kind === 'PacketCapture').reduce((n, v) => n + v.value, 0);
  const sendsOf = async (o: NonNullable<typeof op>) => (await o.metrics.ssmExecutions.get()).values.filter((v) => v.labels.api === 'SendCommand').reduce((n, v) => n + v.value, 0);
  const remove = (name: string) => custom.deleteNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PCAP_PLURAL, namespace: NS, name });
  const gone = async (name: string) => get(name).then(() => false, (err: { code?: number }) => err.code === 404);
  const commandStatus = async (CommandId: string, InstanceId: string) => (await ssm.send(new GetCommandInvocationCommand({ CommandId, InstanceId }))).Status;
  // moto reports every command Success at once; the front's hook holds one running, as tcpdump would be (test/README.md)
  const holdRunning = (id: string) => fetch(`${inject('ssmEndpoint')}/__front/command/${id}/status`, { method: 'POST', body: JSON.stringify({ status: 'InProgress', region: 'us-east-1' }), headers: { 'content-type': 'application/json' } });
  const captureIdOf = (pc: PacketCapture) => collectionBundleId(pc.metadata!.creationTimestamp, pc.metadata!.uid!);

  beforeAll(async () => {
    ({ cp, kc, custom } = await startTestCluster(NS));
    for (const n of Object.values(nodes)) await createNode(kc, n.name, n.instance, 'us-east-1c');
    storeDir = await mkdtemp(join(tmpdir(), 'enlm-ssm-pcap-store-'));
    bucket = `enlm-ssm-pcap-${suffix}`;
    s3 = new S3Client({ region: 'us-east-1', endpoint: inject('motoEndpoint'), credentials: creds, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    ssm = new SSMClient({ region: 'us-east-1', endpoint: inject('ssmEndpoint'), credentials: creds });
    op = await start('ssm-pcap-1');
  });
  afterAll(async () => {
    await op?.stop();
    ssm?.destroy();
    s3?.destroy();
    await cp?.stop();
    if (storeDir) await rm(storeDir, { recursive: true, force: true });
  });

  it('sends the fixed script with the filter as base64 data, never twice across restarts, and completes from the node\'s upload', async () => {
    await create('by-ssm', { nodeName: nodes.a.name, method: 'ssm', filter: FILTER, interface: 'eth0', durationSeconds: 20 });
    await waitFor(async () => Boolean((await get('by-ssm')).status?.ssmCommandId), 20_000, 'command id recorded');
    const first = await get('by-ssm');
    const captureId = captureIdOf(first);
    expect(first.status).toMatchObject({ phase: 'Collecting', method: 'ssm', nodeName: nodes.a.name, instanceId: nodes.a.instance, region: 'us-east-1', captureId });

    // what moto recorded for the instance: one command, the fixed script, the filter only as base64
    const sent = await commandsFor(nodes.a.instance);
    expect(sent.map((c) => c.CommandId)).toEqual([first.status!.ssmCommandId]);
    const cmd = sent[0]!;
    expect(cmd).toMatchObject({ DocumentName: CAPTURE_DOCUMENT, Comment: captureComment(captureId) });
    // moto's recorded InstanceIds also lists instances other suites left in its shared EC2 state;
    // what the operator sends (only this instance) is asserted on the SendCommand input in ssm-capture.test.ts
    expect(cmd.InstanceIds).toContain(nodes.a.instance);
    const lines = cmd.Parameters!.commands!;
    expect(lines.slice(-CAPTURE_SCRIPT.length)).toEqual([...CAPTURE_SCRIPT]);
    expect(lines).toContain(`ENLM_FILTER_B64='${Buffer.from(FILTER).toString('base64')}'`);
    expect(lines.join('\n')).not.toContain(FILTER);
    expect(lines.join('\n')).not.toMatch(/\(host 172/);
    expect(lines).toEqual(expect.arrayContaining(["ENLM_IFACE='eth0'", 'ENLM_DURATION=20', `ENLM_DEST='s3://${bucket}/${captureObjectKey(DEFAULT_CAPTURE_PREFIX, nodes.a.instance, captureId)}'`]));
    expect(cmd.Parameters!.executionTimeout).toEqual(['620']);

    // restart after the id is recorded: the new operator polls the recorded command, sends none
    await restart('ssm-pcap-2');
    await waitFor(async () => (await reconcilesOf(op!)) >= 3, 20_000, 'restarted operator reconciled the capture');
    expect(await sendsOf(op!)).toBe(0);
    expect((await commandsFor(nodes.a.instance)).length).toBe(1);
    expect((await get('by-ssm')).status?.message).toMatch(/waiting for the node's upload/);

    // crash between "sent" and "recorded": erase the id; the next operator finds the command by its comment
    await op!.stop();
    op = undefined;
    await custom.patchNamespacedCustomObjectStatus({ group: GROUP, version: VERSION, plural: PCAP_PLURAL, namespace: NS, name: 'by-ssm', body: { status: { ssmCommandId: null } } }, mergePatch);
    op = await start('ssm-pcap-3');
    await waitFor(async () => (await get('by-ssm')).status?.ssmCommandId === cmd.CommandId, 20_000, 'same command found again');
    expect(await sendsOf(op)).toBe(0);
    expect((await commandsFor(nodes.a.instance)).length).toBe(1);

    // the node's part: the script uploads the pcap to the key the operator chose
    const { packets } = knownScenario();
    const pcap = pcapFile(1, packets.map((p) => ({ ts: p.ts, data: ether(p.ip, p.v6 ? 0x86dd : 0x0800) })));
    const expected = await analyzePcap([pcap]);
    expect(expected.anomalies.length).toBeGreaterThan(0);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: captureObjectKey(DEFAULT_CAPTURE_PREFIX, nodes.a.instance, captureId), Body: pcap }));
    await waitFor(async () => (await get('by-ssm')).status?.phase === 'Completed', 20_000, 'Completed');
    const done = await get('by-ssm');
    expect(done.status).toMatchObject({ phase: 'Completed', captureId, packets: packets.length, bytes: pcap.length, uri: `store://captures/${nodes.a.name}/${captureId}/` });
    expect(done.status!.anomalies!.total).toBe(expected.anomalies.length);
    expect(done.status!.anomalies!.top!.length).toBeGreaterThan(0);
    expect(done.status!.conditions?.find((c) => c.type === 'Complete')).toMatchObject({ status: 'True', reason: 'Ingested' });
    const store = new FsBundleStore(storeDir);
    const keys = captureKeys(nodes.a.name, captureId);
    expect((await store.getBuffer(keys.chunk(1))).equals(pcap)).toBe(true);
    expect(JSON.parse((await store.getBuffer(keys.meta)).toString())).toMatchObject({ phase: 'Completed', method: 'ssm', chunks: 1, commandId: cmd.CommandId });
    expect((await commandsFor(nodes.a.instance)).length).toBe(1);
  });

  it('fails with a clear reason when what the node uploaded is not a pcap', async () => {
    await create('not-a-pcap', { nodeName: nodes.b.name, method: 'ssm', filter: 'tcp port 443', durationSeconds: 5 });
    await waitFor(async () => Boolean((await get('not-a-pcap')).status?.ssmCommandId), 20_000, 'command id recorded');
    const pc = await get('not-a-pcap');
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: captureObjectKey(DEFAULT_CAPTURE_PREFIX, nodes.b.instance, captureIdOf(pc)), Body: 'tcpdump: eth0: No such device exists\n' }));
    await waitFor(async () => (await get('not-a-pcap')).status?.phase === 'Failed', 20_000, 'Failed');
    const failed = await get('not-a-pcap');
    expect(failed.status?.message).toMatch(/is not a pcap or pcapng file/);
    expect(failed.status?.conditions?.find((c) => c.type === 'Complete')).toMatchObject({ status: 'False', reason: 'CaptureInvalid' });
    await expect(new FsBundleStore(storeDir).getBuffer(captureKeys(nodes.b.name, captureIdOf(pc)).chunk(1))).rejects.toThrow();
  });

  it('the command the operator sent, run as the SSM agent runs it (sh, on this host), captures with tcpdump and uploads with the aws CLI', async () => {
    const port = 40000 + Math.floor(Math.random() * 20000);
    // the filter again carries shell metacharacters; tcpdump reads it from the file the script decodes
    await create('for-real', { nodeName: nodes.c.name, method: 'ssm', interface: 'lo', filter: `udp port ${port} and (dst host 127.0.0.1) and greater 20`, durationSeconds: 4 });
    await waitFor(async () => Boolean((await get('for-real')).status?.ssmCommandId), 20_000, 'command id recorded');
    const [cmd] = await commandsFor(nodes.c.instance);
    const work = await mkdtemp(join(tmpdir(), 'enlm-ssm-node-'));
    try {
      // AWS-RunShellScript writes the commands, one per line, to a script and runs it with sh
      const script = join(work, '_script.sh');
      await writeFile(script, `${cmd!.Parameters!.commands!.join('\n')}\n`);
      const sock = dgram.createSocket('udp4');
      const sender = setInterval(() => sock.send(Buffer.alloc(32, 0x61), port, '127.0.0.1'), 100);
      let run;
      try {
        run = await exec('sh', [script], { cwd: work, timeout: 60_000, env: { PATH: `${awsCliDir()}:${process.env.PATH}`, HOME: work, AWS_ENDPOINT_URL: inject('motoEndpoint'), AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' } });
      } finally {
        clearInterval(sender);
        sock.close();
      }
      expect(run.stdout).toMatch(/enlm-capture: uploaded \d+ bytes to s3:\/\//);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
    await waitFor(async () => (await get('for-real')).status?.phase === 'Completed', 20_000, 'Completed');
    const done = await get('for-real');
    // ~10 datagrams a second for 4 s, all matching the filter; nothing else on lo does
    expect(done.status!.packets).toBeGreaterThanOrEqual(20);
    expect(done.status!.packets).toBeLessThanOrEqual(60);
  });

  it('deleting a capture whose SSM command is running cancels the command (Cancelled) before the object goes', async () => {
    op ??= await start('ssm-pcap-4');
    await create('cancel-me', { nodeName: nodes.d.name, method: 'ssm', filter: 'tcp port 443', durationSeconds: 600 });
    await waitFor(async () => Boolean((await get('cancel-me')).status?.ssmCommandId), 20_000, 'command id recorded');
    const id = (await get('cancel-me')).status!.ssmCommandId!;
    expect((await holdRunning(id)).status).toBe(200);
    expect(await commandStatus(id, nodes.d.instance)).toBe('InProgress');

    await remove('cancel-me');
    await waitFor(() => gone('cancel-me'), 20_000, 'capture gone');
    expect(await commandStatus(id, nodes.d.instance)).toBe('Cancelled');
  });

  it('a capture deleted while the operator is down, before its command id reached status, has the command found by its comment and cancelled', async () => {
    op ??= await start('ssm-pcap-5');
    await create('unrecorded', { nodeName: nodes.e.name, method: 'ssm', filter: 'udp port 53', durationSeconds: 600 });
    await waitFor(async () => Boolean((await get('unrecorded')).status?.ssmCommandId), 20_000, 'command id recorded');
    const id = (await get('unrecorded')).status!.ssmCommandId!;
    await holdRunning(id);
    // the crash between SendCommand and the status write, then the delete while no operator runs
    await op.stop();
    op = undefined;
    await custom.patchNamespacedCustomObjectStatus({ group: GROUP, version: VERSION, plural: PCAP_PLURAL, namespace: NS, name: 'unrecorded', body: { status: { ssmCommandId: null } } }, mergePatch);
    await remove('unrecorded');
    expect((await get('unrecorded')).metadata?.deletionTimestamp).toBeTruthy(); // held by the finalizer
    op = await start('ssm-pcap-6');
    await waitFor(() => gone('unrecorded'), 20_000, 'capture gone');
    expect(await commandStatus(id, nodes.e.instance)).toBe('Cancelled');
    expect(await sendsOf(op)).toBe(0);
  });
});

/** The AWS CLI that scripts/setup-moto.sh installs beside moto (the machine's own is not relied on). */
function awsCliDir(): string {
  const venvBin = join(process.env.EKS_NLM_CACHE ?? join(process.cwd(), '.cache'), 'moto-venv', 'bin');
  if (!existsSync(join(venvBin, 'aws'))) throw new Error(`no aws CLI in ${venvBin}: run scripts/setup-moto.sh`);
  return venvBin;
}
