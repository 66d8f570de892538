import { describe, expect, it } from 'vitest';
import { NODE_PRESENT, nodePresence } from './node-presence.js';

const t0 = new Date('2026-11-25T01:00:00.000Z');
const at = (s: number) => new Date(t0.getTime() + s * 1000);
const base = { nodeName: 'ip-10-0-1-12.ec2.internal', graceSeconds: 30, generation: 1 };

describe('nodePresence', () => {
  it('a node first seen missing is recorded as NodePresent=False, timestamped, and the work goes on', () => {
    const r = nodePresence({ ...base, conditions: [], present: false }, t0);
    expect(r).toMatchObject({ kind: 'missing', retryInMs: 30_000 });
    expect(r.kind === 'missing' && r.conditions?.find((c) => c.type === NODE_PRESENT)).toMatchObject({ status: 'False', reason: 'NodeMissing', lastTransitionTime: t0.toISOString() });
  });

  it('counts the grace from the recorded time, not from this pass: missing within it writes nothing, past it is gone', () => {
    const first = nodePresence({ ...base, conditions: [], present: false }, t0);
    const conditions = first.kind === 'missing' ? first.conditions : undefined;
    expect(nodePresence({ ...base, conditions, present: false }, at(29))).toMatchObject({ kind: 'missing', conditions: undefined, retryInMs: 1000 });
    expect(nodePresence({ ...base, conditions, present: false }, at(30))).toMatchObject({ kind: 'gone', message: expect.stringMatching(/still missing after 30 s/) });
  });

  it('a node that comes back flips the condition to True, and a later absence starts a new grace period', () => {
    const missing = nodePresence({ ...base, conditions: [], present: false }, t0);
    const back = nodePresence({ ...base, conditions: missing.kind === 'missing' ? missing.conditions : undefined, present: true }, at(10));
    expect(back.kind === 'present' && back.conditions?.find((c) => c.type === NODE_PRESENT)).toMatchObject({ status: 'True', reason: 'NodeFound' });
    const again = nodePresence({ ...base, conditions: back.kind === 'present' ? back.conditions : undefined, present: false }, at(40));
    expect(again).toMatchObject({ kind: 'missing', retryInMs: 30_000 });
  });

  it('a node that never went missing needs no status write', () => {
    expect(nodePresence({ ...base, conditions: undefined, present: true }, t0)).toEqual({ kind: 'present' });
  });
});
