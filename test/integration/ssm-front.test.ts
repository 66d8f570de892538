import { randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import {
  DescribeImagesCommand, EC2Client, RunInstancesCommand, StopInstancesCommand, TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  AutomationExecutionNotFoundException, CancelCommandCommand, DescribeInstanceInformationCommand, DuplicateInstanceId,
  GetAutomationExecutionCommand, GetCommandInvocationCommand, GetParameterCommand, IdempotentParameterMismatch,
  InvalidAutomationStatusUpdateException, InvalidCommandId, InvalidInstanceId, ListCommandsCommand, PutParameterCommand,
  SendCommandCommand, SSMClient, StartAutomationExecutionCommand, StopAutomationExecutionCommand,
} from '@aws-sdk/client-ssm';
import { type SsmFront, startSsmFront } from '../env/ssm-front.js';

// The SSM front is the one emulated AWS surface (test/README.md). These tests drive it only through
// the real AWS SDK, as the operator will, and prove that everything else reaches moto unchanged.

const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const region = 'us-west-2';
const DOC = 'AWSSupport-CollectEKSInstanceLogs';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function stats(front: SsmFront): Promise<Record<string, number>> {
  return (await fetch(`${front.endpoint}/__front/stats`)).json() as Promise<Record<string, number>>;
}

async function setStatus(front: SsmFront, id: string, body: unknown): Promise<Response> {
  return fetch(`${front.endpoint}/__front/automation/${id}/status`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
}

describe('SSM front for moto', () => {
  let front: SsmFront;
  let ssm: SSMClient;
  let ec2: EC2Client;

  beforeAll(async () => {
    front = await startSsmFront({ motoEndpoint: inject('motoEndpoint'), pendingMs: 400, inProgressMs: 1500 });
    ssm = new SSMClient({ region, endpoint: front.endpoint, credentials });
    ec2 = new EC2Client({ region, endpoint: front.endpoint, credentials });
  });
  afterAll(async () => {
    ssm?.destroy();
    ec2?.destroy();
    await front?.stop();
  });
  beforeEach(async () => {
    await fetch(`${front.endpoint}/__front/reset`, { method: 'POST' });
  });

  describe('StartAutomationExecution / GetAutomationExecution', () => {
    it('starts an execution that moves Pending → InProgress → Success, echoing the document and parameters', async () => {
      const Parameters = { EKSInstanceId: ['i-0123456789abcdef0'], LogDestination: ['enlm-hub'] };
      const started = await ssm.send(new StartAutomationExecutionCommand({ DocumentName: DOC, Parameters, ClientToken: randomUUID() }));
      expect(started.AutomationExecutionId).toMatch(/^[0-9a-f-]{36}$/);
      const get = async () => (await ssm.send(new GetAutomationExecutionCommand({ AutomationExecutionId: started.AutomationExecutionId }))).AutomationExecution!;

      const first = await get();
      expect(first).toMatchObject({ AutomationExecutionId: started.AutomationExecutionId, DocumentName: DOC, AutomationExecutionStatus: 'Pending', Parameters, Mode: 'Auto' });
      expect(first.ExecutionStartTime).toBeInstanceOf(Date);
      expect(Math.abs(first.ExecutionStartTime!.getTime() - Date.now())).toBeLessThan(5000);
      expect(first.ExecutionEndTime).toBeUndefined();

      // Poll as the operator does and record each status change.
      const seen = ['Pending'];
      let done = first;
      for (const deadline = Date.now() + 10_000; done.AutomationExecutionStatus !== 'Success' && Date.now() < deadline;) {
        await sleep(100);
        done = await get();
        if (seen.at(-1) !== done.AutomationExecutionStatus) seen.push(done.AutomationExecutionStatus!);
      }
      expect(seen).toEqual(['Pending', 'InProgress', 'Success']);
      expect(done.ExecutionEndTime!.getTime()).toBeGreaterThanOrEqual(done.ExecutionStartTime!.getTime());
    });

    it('returns the same execution for the same client token (case-insensitive) and counts every call', async () => {
      const token = randomUUID();
      const a = await ssm.send(new StartAutomationExecutionCommand({ DocumentName: DOC, Parameters: { EKSInstanceId: ['i-0abc12345'] }, ClientToken: token }));
      const b = await ssm.send(new StartAutomationExecutionCommand({ DocumentName: DOC, Parameters: { EKSInstanceId: ['i-0abc12345'] }, ClientToken: token.toUpperCase() }));
      expect(b.AutomationExecutionId).toBe(a.AutomationExecutionId);
      const c = await ssm.send(new StartAutomationExecutionCommand({ DocumentName: DOC, Parameters: { EKSInstanceId: ['i-0abc12345'] }, ClientToken: randomUUID() }));
      expect(c.AutomationExecutionId).not.toBe(a.AutomationExecutionId);
      expect(await stats(front)).toMatchObject({ startAutomationExecution: 3, executions: 2 });
      const listed = (await (await fetch(`${front.endpoint}/__front/automation`)).json()) as Array<{ id: string; clientToken: string; region: string }>;
      expect(listed.find((e) => e.id === a.AutomationExecutionId)).toMatchObject({ clientToken: token, region });
    });

    it('answers IdempotentParameterMismatch (400) when a client token is reused for another document or parameters', async () => {
      const token = randomUUID();
      await ssm.send(new StartAutomationExecutionCommand({ DocumentName: DOC, Parameters: { EKSInstanceId: ['i-0abc12345'] }, ClientToken: token }));
      const otherDoc = ssm.send(new StartAutomationExecutionCommand({ DocumentName: 'AWS-RestartEC2Instance', Parameters: { EKSInstanceId: ['i-0abc12345'] }, ClientToken: token }));
      await expect(otherDoc).rejects.toBeInstanceOf(IdempotentParameterMismatch);
      await expect(otherDoc).rejects.toMatchObject({ $metadata: { httpStatusCode: 400 } });
      const otherParams = ssm.send(new StartAutomationExecutionCommand({ DocumentName: DOC, Parameters: { EKSInstanceId: ['i-0def67890'] }, ClientToken: token }));
      await expect(otherParams).rejects.toBeInstanceOf(IdempotentParameterMismatch);
      expect(await stats(front)).toMatchObject({ executions: 1 });
    });

    it('rejects a client token that is not a UUID and a missing document name with ValidationException', async () => {
      await expect(ssm.send(new StartAutomationExecutionCommand({ DocumentName: DOC, ClientToken: 'not-a-uuid' }))).rejects.toMatchObject({ name: 'ValidationException', $metadata: { httpStatusCode: 400 } });
      await expect(ssm.send(new StartAutomationExecutionCommand({ DocumentName: 'x' }))).rejects.toMatchObject({ name: 'ValidationException' });
    });

    it('answers AutomationExecutionNotFoundException (400) for an unknown execution id', async () => {
      const p = ssm.send(new GetAutomationExecutionCommand({ AutomationExecutionId: randomUUID() }));
      await expect(p).rejects.toBeInstanceOf(AutomationExecutionNotFoundException);
      await expect(p).rejects.toMatchObject({ $metadata: { httpStatusCode: 400 }, message: expect.stringContaining('not found') });
    });

    it('lets a test pin the terminal status, outputs and failure message through the hook', async () => {
      const { AutomationExecutionId } = await ssm.send(new StartAutomationExecutionCommand({ DocumentName: DOC, ClientToken: randomUUID() }));
      const hook = await setStatus(front, AutomationExecutionId!, { status: 'Failed', failureMessage: 'Step UploadLogs failed', outputs: { 'UploadLogs.Key': ['bundles/x.tgz'] } });
      expect(hook.status).toBe(200);
      const ex = (await ssm.send(new GetAutomationExecutionCommand({ AutomationExecutionId }))).AutomationExecution!;
      expect(ex).toMatchObject({ AutomationExecutionStatus: 'Failed', FailureMessage: 'Step UploadLogs failed', Outputs: { 'UploadLogs.Key': ['bundles/x.tgz'] } });
      expect(ex.ExecutionEndTime).toBeInstanceOf(Date);

      const held = await setStatus(front, AutomationExecutionId!, { status: 'InProgress' });
      expect(held.status).toBe(200);
      await sleep(2100); // past pendingMs + inProgressMs, when an unpinned execution would be Success
      expect((await ssm.send(new GetAutomationExecutionCommand({ AutomationExecutionId }))).AutomationExecution!.AutomationExecutionStatus).toBe('InProgress');
    });

    it('StopAutomationExecution cancels a running execution for good; stopping it again, or one that ended, is InvalidAutomationStatusUpdateException', async () => {
      const { AutomationExecutionId } = await ssm.send(new StartAutomationExecutionCommand({ DocumentName: DOC, ClientToken: randomUUID() }));
      await sleep(500); // past pendingMs: InProgress
      const status = async (id = AutomationExecutionId) => (await ssm.send(new GetAutomationExecutionCommand({ AutomationExecutionId: id }))).AutomationExecution!;
      expect((await status()).AutomationExecutionStatus).toBe('InProgress');

      const stopped = await ssm.send(new StopAutomationExecutionCommand({ AutomationExecutionId, Type: 'Cancel' }));
      expect(stopped.$metadata.httpStatusCode).toBe(200);
      const cancelled = await status();
      expect(cancelled.AutomationExecutionStatus).toBe('Cancelled');
      expect(cancelled.ExecutionEndTime).toBeInstanceOf(Date);
      await sleep(1500); // past pendingMs + inProgressMs: an execution nobody stopped would be Success by now
      expect((await status()).AutomationExecutionStatus).toBe('Cancelled');
      const listed = (await (await fetch(`${front.endpoint}/__front/automation`)).json()) as Array<{ id: string; status: string }>;
      expect(listed.find((e) => e.id === AutomationExecutionId)?.status).toBe('Cancelled');

      const again = ssm.send(new StopAutomationExecutionCommand({ AutomationExecutionId }));
      await expect(again).rejects.toBeInstanceOf(InvalidAutomationStatusUpdateException);
      await expect(again).rejects.toMatchObject({ $metadata: { httpStatusCode: 400 } });
      const ended = (await ssm.send(new StartAutomationExecutionCommand({ DocumentName: DOC, ClientToken: randomUUID() }))).AutomationExecutionId!;
      await setStatus(front, ended, { status: 'Success' });
      await expect(ssm.send(new StopAutomationExecutionCommand({ AutomationExecutionId: ended }))).rejects.toBeInstanceOf(InvalidAutomationStatusUpdateException);
      expect((await status(ended)).AutomationExecutionStatus).toBe('Success');
      expect(await stats(front)).toMatchObject({ stopAutomationExecution: 3 });
    });

    it('StopAutomationExecution answers AutomationExecutionNotFoundException for an unknown id and ValidationException for a Type AWS does not have', async () => {
      await expect(ssm.send(new StopAutomationExecutionCommand({ AutomationExecutionId: randomUUID() }))).rejects.toBeInstanceOf(AutomationExecutionNotFoundException);
      const { AutomationExecutionId } = await ssm.send(new StartAutomationExecutionCommand({ DocumentName: DOC }));
      await expect(ssm.send(new StopAutomationExecutionCommand({ AutomationExecutionId, Type: 'Pause' as 'Cancel' }))).rejects.toMatchObject({ name: 'ValidationException', $metadata: { httpStatusCode: 400 } });
      expect((await ssm.send(new GetAutomationExecutionCommand({ AutomationExecutionId }))).AutomationExecution!.AutomationExecutionStatus).not.toBe('Cancelled');
    });

    it('rejects the hook for an unknown execution (404) and for a status AWS does not have (400)', async () => {
      expect((await setStatus(front, randomUUID(), { status: 'Success' })).status).toBe(404);
      const { AutomationExecutionId } = await ssm.send(new StartAutomationExecutionCommand({ DocumentName: DOC }));
      expect((await setStatus(front, AutomationExecutionId!, { status: 'Done' })).status).toBe(400);
    });
  });

  describe('DescribeInstanceInformation', () => {
    let imageId: string;
    const launched: string[] = [];
    beforeAll(async () => {
      const images = await ec2.send(new DescribeImagesCommand({ Owners: ['amazon'] }));
      imageId = images.Images?.[0]?.ImageId ?? 'ami-12c6146b';
    });
    afterAll(async () => {
      if (launched.length) await ec2.send(new TerminateInstancesCommand({ InstanceIds: launched }));
    });

    async function launch(n: number): Promise<string[]> {
      const r = await ec2.send(new RunInstancesCommand({ ImageId: imageId, MinCount: n, MaxCount: n, InstanceType: 't3.medium' }));
      const ids = (r.Instances ?? []).map((i) => i.InstanceId!);
      launched.push(...ids);
      return ids;
    }

    it('lists a running EC2 instance from moto as an Online managed Linux node', async () => {
      const [id] = await launch(1);
      const r = await ssm.send(new DescribeInstanceInformationCommand({ Filters: [{ Key: 'InstanceIds', Values: [id!] }] }));
      expect(r.InstanceInformationList).toHaveLength(1);
      const info = r.InstanceInformationList![0]!;
      expect(info).toMatchObject({ InstanceId: id, PingStatus: 'Online', PlatformType: 'Linux', ResourceType: 'EC2Instance' });
      expect(info.LastPingDateTime).toBeInstanceOf(Date);
      expect(info.IPAddress).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    });

    it('reports a stopped instance as ConnectionLost and honours the PingStatus filter and the test override', async () => {
      const [running, stopped] = await launch(2);
      await ec2.send(new StopInstancesCommand({ InstanceIds: [stopped!] }));
      const both = await ssm.send(new DescribeInstanceInformationCommand({ InstanceInformationFilterList: [{ key: 'InstanceIds', valueSet: [running!, stopped!] }] }));
      const ping = Object.fromEntries((both.InstanceInformationList ?? []).map((i) => [i.InstanceId, i.PingStatus]));
      expect(ping).toEqual({ [running!]: 'Online', [stopped!]: 'ConnectionLost' });
      const online = await ssm.send(new DescribeInstanceInformationCommand({ Filters: [{ Key: 'InstanceIds', Values: [running!, stopped!] }, { Key: 'PingStatus', Values: ['Online'] }] }));
      expect(online.InstanceInformationList?.map((i) => i.InstanceId)).toEqual([running]);

      await fetch(`${front.endpoint}/__front/instance/${running}/ping`, { method: 'POST', body: JSON.stringify({ pingStatus: 'ConnectionLost' }) });
      const after = await ssm.send(new DescribeInstanceInformationCommand({ Filters: [{ Key: 'InstanceIds', Values: [running!] }] }));
      expect(after.InstanceInformationList?.[0]?.PingStatus).toBe('ConnectionLost');
    });

    it('pages with MaxResults and NextToken without repeating or losing instances', async () => {
      const ids = await launch(7);
      const seen: string[] = [];
      let NextToken: string | undefined;
      let pages = 0;
      do {
        const r = await ssm.send(new DescribeInstanceInformationCommand({ MaxResults: 5, NextToken, Filters: [{ Key: 'InstanceIds', Values: ids }] }));
        seen.push(...(r.InstanceInformationList ?? []).map((i) => i.InstanceId!));
        NextToken = r.NextToken;
        pages++;
      } while (NextToken);
      expect(pages).toBe(2);
      expect(seen.sort()).toEqual([...ids].sort());
    });

    it('rejects MaxResults outside 5–50 and an unsupported filter key', async () => {
      await expect(ssm.send(new DescribeInstanceInformationCommand({ MaxResults: 100 }))).rejects.toMatchObject({ name: 'ValidationException' });
      await expect(ssm.send(new DescribeInstanceInformationCommand({ Filters: [{ Key: 'tag:Team', Values: ['x'] }] }))).rejects.toMatchObject({ name: 'InvalidFilterKey' });
    });
  });

  describe('CancelCommand over moto\'s Run Command', () => {
    const holdCommand = (id: string, status: string) =>
      fetch(`${front.endpoint}/__front/command/${id}/status`, { method: 'POST', body: JSON.stringify({ status, region }), headers: { 'content-type': 'application/json' } });
    const send = async (instance: string) =>
      (await ssm.send(new SendCommandCommand({ DocumentName: 'AWS-RunShellScript', InstanceIds: [instance], Parameters: { commands: ['sleep 600'] } }))).Command!.CommandId!;
    const statusOf = async (CommandId: string, InstanceId: string) => (await ssm.send(new GetCommandInvocationCommand({ CommandId, InstanceId }))).Status;

    it('ends a command held running Cancelled, which GetCommandInvocation and ListCommands then report; one that already ended keeps its status', async () => {
      const instance = `i-0f${randomUUID().replace(/-/g, '').slice(0, 15)}`;
      const running = await send(instance);
      expect(await statusOf(running, instance)).toBe('Success'); // moto's own answer: it runs nothing
      expect((await holdCommand(running, 'InProgress')).status).toBe(200);
      expect(await statusOf(running, instance)).toBe('InProgress');
      expect((await ssm.send(new ListCommandsCommand({ CommandId: running }))).Commands?.[0]?.Status).toBe('InProgress');

      const cancelled = await ssm.send(new CancelCommandCommand({ CommandId: running }));
      expect(cancelled.$metadata.httpStatusCode).toBe(200);
      expect(await statusOf(running, instance)).toBe('Cancelled');
      const listed = (await ssm.send(new ListCommandsCommand({ InstanceId: instance }))).Commands ?? [];
      expect(listed.map((c) => [c.CommandId, c.Status, c.StatusDetails])).toEqual([[running, 'Cancelled', 'Cancelled']]);

      const ended = await send(instance);
      await ssm.send(new CancelCommandCommand({ CommandId: ended, InstanceIds: [instance] }));
      expect(await statusOf(ended, instance)).toBe('Success');
      expect(await stats(front)).toMatchObject({ cancelCommand: 2 });
    });

    it('answers InvalidCommandId, ValidationException, InvalidInstanceId and DuplicateInstanceId as AWS does, and 404 from the hook for a command moto does not know', async () => {
      const instance = `i-0e${randomUUID().replace(/-/g, '').slice(0, 15)}`;
      await expect(ssm.send(new CancelCommandCommand({ CommandId: randomUUID() }))).rejects.toBeInstanceOf(InvalidCommandId);
      await expect(ssm.send(new CancelCommandCommand({ CommandId: 'short' }))).rejects.toMatchObject({ name: 'ValidationException', $metadata: { httpStatusCode: 400 } });
      const id = await send(instance);
      await holdCommand(id, 'InProgress');
      await expect(ssm.send(new CancelCommandCommand({ CommandId: id, InstanceIds: ['i-0000000000000dead'] }))).rejects.toBeInstanceOf(InvalidInstanceId);
      await expect(ssm.send(new CancelCommandCommand({ CommandId: id, InstanceIds: [instance, instance] }))).rejects.toBeInstanceOf(DuplicateInstanceId);
      expect(await statusOf(id, instance)).toBe('InProgress');
      expect((await holdCommand(randomUUID(), 'InProgress')).status).toBe(404);
      expect((await holdCommand(id, 'Running')).status).toBe(400);
    });
  });

  describe('everything else goes to moto', () => {
    it('passes PutParameter / GetParameter and SendCommand / GetCommandInvocation through to moto', async () => {
      const Name = `/enlm/front-test/${randomUUID()}`;
      await ssm.send(new PutParameterCommand({ Name, Value: 'through-the-front', Type: 'String' }));
      // Read it back from moto directly: the front stored nothing itself.
      const direct = new SSMClient({ region, endpoint: inject('motoEndpoint'), credentials });
      try {
        expect((await direct.send(new GetParameterCommand({ Name }))).Parameter?.Value).toBe('through-the-front');
      } finally {
        direct.destroy();
      }
      expect((await ssm.send(new GetParameterCommand({ Name }))).Parameter?.Value).toBe('through-the-front');

      const [instance] = (await ec2.send(new RunInstancesCommand({ ImageId: (await ec2.send(new DescribeImagesCommand({ Owners: ['amazon'] }))).Images?.[0]?.ImageId ?? 'ami-12c6146b', MinCount: 1, MaxCount: 1 }))).Instances ?? [];
      const sent = await ssm.send(new SendCommandCommand({ DocumentName: 'AWS-RunShellScript', InstanceIds: [instance!.InstanceId!], Parameters: { commands: ['true'] } }));
      const inv = await ssm.send(new GetCommandInvocationCommand({ CommandId: sent.Command!.CommandId!, InstanceId: instance!.InstanceId! }));
      expect(inv.Status).toBe('Success');
      await ec2.send(new TerminateInstancesCommand({ InstanceIds: [instance!.InstanceId!] }));
      expect((await stats(front)).forwarded).toBeGreaterThanOrEqual(5);
    });

    it('streams an S3 upload and download byte for byte (PUT with a streaming body, GET, HEAD)', async () => {
      const s3 = new S3Client({ region, endpoint: front.endpoint, credentials, forcePathStyle: true });
      try {
        const Bucket = `enlm-front-${randomUUID().slice(0, 8)}`;
        await s3.send(new CreateBucketCommand({ Bucket, CreateBucketConfiguration: { LocationConstraint: region } }));
        const body = randomBytes(3 * 1024 * 1024 + 17);
        await s3.send(new PutObjectCommand({ Bucket, Key: 'blob.bin', Body: Readable.from([body.subarray(0, 1 << 20), body.subarray(1 << 20)]), ContentLength: body.length }));
        const head = await s3.send(new HeadObjectCommand({ Bucket, Key: 'blob.bin' }));
        expect(head.ContentLength).toBe(body.length);
        const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'blob.bin' }));
        expect(Buffer.from(await got.Body!.transformToByteArray()).equals(body)).toBe(true);
      } finally {
        s3.destroy();
      }
    });

    it('is what global setup provides as ssmEndpoint', async () => {
      const c = new SSMClient({ region, endpoint: inject('ssmEndpoint'), credentials });
      try {
        const p = c.send(new GetAutomationExecutionCommand({ AutomationExecutionId: randomUUID() }));
        await expect(p).rejects.toBeInstanceOf(AutomationExecutionNotFoundException);
      } finally {
        c.destroy();
      }
    });
  });
});
