import type { Condition } from '../../crds/types.js';

/**
 * Sets one condition in the standard metav1.Condition shape; lastTransitionTime changes only when
 * the status flips (so `kubectl wait --for=condition=…` and alerting see real transitions).
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  c: { type: string; status: 'True' | 'False' | 'Unknown'; reason: string; message: string; observedGeneration?: number },
  now: Date,
): Condition[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((x) => x.type === c.type);
  const prev = i >= 0 ? list[i] : undefined;
  const next: Condition = {
    type: c.type,
    status: c.status,
    reason: c.reason,
    message: c.message.slice(0, 1024),
    observedGeneration: c.observedGeneration,
    lastTransitionTime: prev && prev.status === c.status ? prev.lastTransitionTime : now.toISOString(),
  };
  if (i >= 0) list[i] = next;
  else list.push(next);
  return list;
}

/**
 * The hub's view of a finished upload, written in the same status update that completes the
 * resource: a reader never sees `phase: Completed` beside an earlier `Uploaded=False` retry report.
 */
export function uploadAccepted(conditions: readonly Condition[] | undefined, observedGeneration: number | undefined, now: Date): Condition[] {
  return setCondition(conditions, { type: 'Uploaded', status: 'True', reason: 'HubAccepted', message: 'the hub accepted the upload', observedGeneration }, now);
}
