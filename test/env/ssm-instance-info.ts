import { DescribeInstancesCommand, EC2Client, type Instance } from '@aws-sdk/client-ec2';
import { AwsError } from './ssm-automation.js';

/**
 * DescribeInstanceInformation for the test-only SSM front, derived from moto's EC2 instances: a
 * running instance is a managed node that is Online, a stopped one has lost its connection, a
 * terminated one is gone. A test may override an instance's ping status through the front's hook.
 */

const SUPPORTED_KEYS = new Set(['InstanceIds', 'PingStatus', 'PlatformTypes', 'ResourceType']);

function pingOf(i: Instance): string | undefined {
  switch (i.State?.Name) {
    case 'running': return 'Online';
    case 'terminated': case 'shutting-down': return undefined;
    default: return 'ConnectionLost';
  }
}

/** Filters from either request form (`InstanceInformationFilterList` or `Filters`), as key → allowed values. */
function filtersOf(input: Record<string, unknown>): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const add = (key: unknown, values: unknown): void => {
    if (typeof key !== 'string' || !Array.isArray(values) || values.length === 0) throw new AwsError('InvalidFilter', 'A filter needs a key and at least one value');
    if (!SUPPORTED_KEYS.has(key)) throw new AwsError('InvalidFilterKey', `The filter key ${key} is not supported by this test front`);
    out.set(key, new Set(values.map(String)));
  };
  for (const f of (input.InstanceInformationFilterList as Array<{ key?: unknown; valueSet?: unknown }> | undefined) ?? []) add(f.key, f.valueSet);
  for (const f of (input.Filters as Array<{ Key?: unknown; Values?: unknown }> | undefined) ?? []) add(f.Key, f.Values);
  return out;
}

export async function describeInstanceInformation(
  input: Record<string, unknown>,
  motoEndpoint: string,
  region: string,
  pingOverrides: ReadonlyMap<string, string>,
): Promise<Record<string, unknown>> {
  const max = input.MaxResults ?? 50;
  if (typeof max !== 'number' || max < 5 || max > 50) throw new AwsError('ValidationException', "1 validation error detected: Value at 'maxResults' failed to satisfy constraint: Member must have value between 5 and 50");
  let offset = 0;
  if (input.NextToken !== undefined) {
    offset = Number(Buffer.from(String(input.NextToken), 'base64url').toString('utf8'));
    if (!Number.isInteger(offset) || offset < 0) throw new AwsError('InvalidNextToken', 'The specified token is not valid.');
  }
  const filters = filtersOf(input);

  const ec2 = new EC2Client({ region, endpoint: motoEndpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  const instances: Instance[] = [];
  try {
    let token: string | undefined;
    do {
      const page = await ec2.send(new DescribeInstancesCommand({ NextToken: token }));
      for (const r of page.Reservations ?? []) instances.push(...(r.Instances ?? []));
      token = page.NextToken;
    } while (token);
  } finally {
    ec2.destroy();
  }

  const nowSec = Date.now() / 1000;
  const list = instances
    .map((i) => ({ i, ping: i.InstanceId && pingOverrides.has(i.InstanceId) ? pingOverrides.get(i.InstanceId) : pingOf(i) }))
    .filter((x): x is { i: Instance; ping: string } => x.ping !== undefined && x.i.InstanceId !== undefined)
    .map(({ i, ping }) => ({
      InstanceId: i.InstanceId,
      PingStatus: ping,
      LastPingDateTime: ping === 'Online' ? nowSec : (i.LaunchTime?.getTime() ?? Date.now()) / 1000,
      AgentVersion: '3.3.987.0',
      IsLatestVersion: true,
      PlatformType: 'Linux',
      PlatformName: 'Amazon Linux',
      PlatformVersion: '2023',
      ResourceType: 'EC2Instance',
      IPAddress: i.PrivateIpAddress,
      ComputerName: i.PrivateDnsName,
      AssociationStatus: 'Success',
      SourceId: i.InstanceId,
      SourceType: 'AWS::EC2::Instance',
    }))
    .filter((x) => {
      const want = (k: string, v: string | undefined): boolean => !filters.has(k) || (v !== undefined && filters.get(k)!.has(v));
      return want('InstanceIds', x.InstanceId) && want('PingStatus', x.PingStatus) && want('PlatformTypes', x.PlatformType) && want('ResourceType', x.ResourceType);
    })
    .sort((a, b) => String(a.InstanceId).localeCompare(String(b.InstanceId)));

  const page = list.slice(offset, offset + max);
  const next = offset + max < list.length ? Buffer.from(String(offset + max)).toString('base64url') : undefined;
  return { InstanceInformationList: page, ...(next ? { NextToken: next } : {}) };
}
