import { setCondition } from '../core/bundle/conditions.js';
import type { Condition } from '../crds/types.js';

export const NODE_PRESENT = 'NodePresent';

export type NodePresence =
  | { kind: 'present'; conditions?: Condition[] }
  | { kind: 'missing'; conditions?: Condition[]; retryInMs: number; message: string }
  | { kind: 'gone'; message: string };

/**
 * Whether running work on a node that is missing from the API server should fail yet. A Node object
 * can vanish for a moment (the kubelet re-registering it, a replacement under the same name), so
 * the work fails only once the node has been missing for the grace period. When it went missing is
 * kept in the resource's status, as the lastTransitionTime of a NodePresent=False condition, so the
 * decision is level-based: a restarted operator (or another replica) keeps counting from there.
 * `conditions` is set when the status needs writing.
 */
export function nodePresence(
  p: { conditions: readonly Condition[] | undefined; nodeName: string; present: boolean; graceSeconds: number; generation: number | undefined },
  now: Date,
): NodePresence {
  const prev = p.conditions?.find((c) => c.type === NODE_PRESENT);
  if (p.present) {
    // a node that came back clears the clock; one never missed writes nothing (no extra status writes per poll)
    if (prev?.status !== 'False') return { kind: 'present' };
    return { kind: 'present', conditions: setCondition(p.conditions, { type: NODE_PRESENT, status: 'True', reason: 'NodeFound', message: `node ${p.nodeName} is back`, observedGeneration: p.generation }, now) };
  }
  const graceMs = p.graceSeconds * 1000;
  const since = prev?.status === 'False' && prev.lastTransitionTime ? Date.parse(prev.lastTransitionTime) : now.getTime();
  const left = since + graceMs - now.getTime();
  if (left <= 0) return { kind: 'gone', message: `node ${p.nodeName} disappeared during the work and was still missing after ${p.graceSeconds} s` };
  const message = `node ${p.nodeName} is missing since ${new Date(since).toISOString()}; the work fails if it is still missing after ${p.graceSeconds} s`;
  const conditions = prev?.status === 'False' ? undefined : setCondition(p.conditions, { type: NODE_PRESENT, status: 'False', reason: 'NodeMissing', message, observedGeneration: p.generation }, now);
  return { kind: 'missing', conditions, retryInMs: left, message };
}
