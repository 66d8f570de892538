import { describe, expect, it } from 'vitest';
import { parseProviderId } from './provider-id.js';

describe('parseProviderId', () => {
  it.each([
    ['aws:///us-east-1a/i-0123456789abcdef0', 'us-east-1', 'us-east-1a', 'i-0123456789abcdef0'],
    ['aws:///eu-central-1c/i-0abc1234', 'eu-central-1', 'eu-central-1c', 'i-0abc1234'],
    ['aws:///us-west-2-lax-1a/i-0123456789abcdef0', 'us-west-2', 'us-west-2-lax-1a', 'i-0123456789abcdef0'],
    ['aws:///ap-southeast-2b/i-0fedcba9876543210', 'ap-southeast-2', 'ap-southeast-2b', 'i-0fedcba9876543210'],
  ])('%s', (p, region, zone, id) => {
    expect(parseProviderId(p)).toEqual({ region, zone, instanceId: id });
  });

  it.each(['', 'kind://docker/kind/kind-worker', 'aws:///us-east-1a/not-an-instance', 'aws://us-east-1a/i-0123456789abcdef0', 'aws:///us-east-1a/i-0123456789abcdef0/extra'])(
    'rejects %j',
    (p) => expect(parseProviderId(p)).toBeUndefined(),
  );
});
