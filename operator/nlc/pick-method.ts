import type { Method } from '../resources.js';

export interface PickInput {
  requested: Method;
  agentReady: boolean;
  hasNode: boolean;
  instanceId: string | undefined;
  ssmConfigured: boolean;
}

/**
 * DESIGN.md §7 `auto`: the agent when one is Ready on the node; else SSM when the node has an
 * instance id and SSM is configured (the only way into a node whose kubelet is dead); else a
 * one-shot privileged pod pinned to the node. An explicit method is honoured or refused with why.
 */
export function pickMethod(i: PickInput): { method: Exclude<Method, 'auto'>; why: string } | { error: string } {
  const ssmOk = Boolean(i.instanceId) && i.ssmConfigured;
  switch (i.requested) {
    case 'agent':
      return i.agentReady ? { method: 'agent', why: 'agent requested and Ready on the node' } : { error: 'method agent requested but no agent pod is Ready on the node' };
    case 'job':
      return i.hasNode ? { method: 'job', why: 'one-shot collector pod requested' } : { error: 'method job needs a Kubernetes node to pin the pod to' };
    case 'ssm':
      if (!i.ssmConfigured) return { error: 'method ssm requested but SSM is not enabled in this installation (operator --ssm-bucket)' };
      return i.instanceId ? { method: 'ssm', why: 'SSM requested' } : { error: 'method ssm needs an instance id (spec.instanceId or an aws:/// providerID on the node)' };
    case 'auto':
      if (i.agentReady) return { method: 'agent', why: 'auto: agent Ready on the node' };
      if (ssmOk) return { method: 'ssm', why: i.hasNode ? 'auto: no Ready agent on the node; SSM reaches the instance' : 'auto: no Kubernetes node for the instance; SSM reaches it' };
      if (i.hasNode) return { method: 'job', why: 'auto: no Ready agent and no SSM; one-shot collector pod' };
      return { error: 'auto: the target is not a Kubernetes node and SSM is not configured: nothing can reach it' };
  }
}
