import { describe, expect, it } from 'vitest';
import { pickMethod } from './pick-method.js';

const base = { requested: 'auto' as const, agentReady: false, hasNode: true, instanceId: 'i-0123456789abcdef0', ssmConfigured: true };

describe('pickMethod (DESIGN §7 auto)', () => {
  it('prefers a Ready agent', () => expect(pickMethod({ ...base, agentReady: true })).toMatchObject({ method: 'agent' }));
  it('falls back to SSM when no agent is Ready and the node has an instance', () => expect(pickMethod(base)).toMatchObject({ method: 'ssm' }));
  it('falls back to a one-shot pod without SSM', () => expect(pickMethod({ ...base, ssmConfigured: false })).toMatchObject({ method: 'job' }));
  it('uses SSM for an instance that is no Kubernetes node', () => expect(pickMethod({ ...base, hasNode: false })).toMatchObject({ method: 'ssm' }));
  it('fails when nothing can reach the target', () => expect(pickMethod({ ...base, hasNode: false, ssmConfigured: false })).toHaveProperty('error'));
  it('refuses an explicit agent without a Ready agent', () => expect(pickMethod({ ...base, requested: 'agent' })).toMatchObject({ error: expect.stringMatching(/no agent pod is Ready/) }));
  it('refuses explicit ssm when SSM is not enabled', () => expect(pickMethod({ ...base, requested: 'ssm', ssmConfigured: false })).toMatchObject({ error: expect.stringMatching(/not enabled/) }));
  it('refuses explicit ssm without an instance id', () => expect(pickMethod({ ...base, requested: 'ssm', instanceId: undefined })).toMatchObject({ error: expect.stringMatching(/instance id/) }));
  it('honours an explicit job even when an agent is Ready', () => expect(pickMethod({ ...base, requested: 'job', agentReady: true })).toMatchObject({ method: 'job' }));
});
