import { GetAutomationExecutionCommand, SSMClient, StartAutomationExecutionCommand, StopAutomationExecutionCommand } from '@aws-sdk/client-ssm';
import { perRegion } from '../../core/util/per-region.js';

/** The AWS-owned runbook that runs eks-log-collector.sh on the instance and uploads the archive. */
export const SSM_DOCUMENT = 'AWSSupport-CollectEKSInstanceLogs';

export type AutomationState = 'running' | 'succeeded' | 'failed';
export type StopOutcome = 'stopped' | 'ended' | 'denied';

export interface SsmAutomationPort {
  /** Starts (or, with the same client token, finds) the execution; returns its id. */
  start(region: string, instanceId: string, clientToken: string): Promise<string>;
  poll(region: string, executionId: string): Promise<{ state: AutomationState; detail: string; outputs: Record<string, string[]> }>;
  /**
   * Cancels the execution: 'ended' when it had already ended or no longer exists (nothing to stop),
   * 'denied' when the operator's role may not stop it. Other errors throw (transient: retry).
   */
  stop(region: string, executionId: string): Promise<StopOutcome>;
}

// what AWS answers a stop of an execution that already ended or is unknown: the work is not running
const NOTHING_TO_STOP = new Set(['AutomationExecutionNotFoundException', 'InvalidAutomationStatusUpdateException']);

const RUNNING = new Set(['Pending', 'InProgress', 'Waiting', 'Scheduled', 'RunbookInProgress', 'PendingApproval', 'Approved', 'PendingChangeCalendarOverride', 'ChangeCalendarOverrideApproved', 'Cancelling']);

/**
 * SSM Automation through the SDK. The client token is the resource's UID: AWS returns the same
 * execution for the same token, so an operator restarted between "started" and "recorded the id in
 * status" never starts a second execution on the node.
 */
export class SdkSsmAutomation implements SsmAutomationPort {
  /** one SDK client per region (the node's region comes from its providerID) */
  private readonly clients = perRegion((region) => new SSMClient({ region, endpoint: this.o.endpoint, credentials: this.o.credentials, maxAttempts: 3 }));

  constructor(
    private readonly o: { bucket: string; assumeRoleArn?: string; endpoint?: string; credentials?: { accessKeyId: string; secretAccessKey: string } },
    private readonly onStart?: () => void,
  ) {}


  async start(region: string, instanceId: string, clientToken: string): Promise<string> {
    this.onStart?.();
    // LogDestination is a bucket name, nothing more (the runbook has no key-prefix parameter): the
    // archive lands at the bucket root as eks_<instance>_…, where infra/ssm-keys.ts grants and expires it
    const params: Record<string, string[]> = { EKSInstanceId: [instanceId], LogDestination: [this.o.bucket] };
    if (this.o.assumeRoleArn) params.AutomationAssumeRole = [this.o.assumeRoleArn];
    const r = await this.clients(region).send(new StartAutomationExecutionCommand({ DocumentName: SSM_DOCUMENT, Parameters: params, ClientToken: clientToken }));
    if (!r.AutomationExecutionId) throw new Error('StartAutomationExecution returned no execution id');
    return r.AutomationExecutionId;
  }

  async poll(region: string, executionId: string) {
    const r = await this.clients(region).send(new GetAutomationExecutionCommand({ AutomationExecutionId: executionId }));
    const ex = r.AutomationExecution;
    const status = ex?.AutomationExecutionStatus ?? 'Unknown';
    const state: AutomationState = status === 'Success' ? 'succeeded' : RUNNING.has(status) ? 'running' : 'failed';
    return { state, detail: `${status}${ex?.FailureMessage ? `: ${ex.FailureMessage}` : ''}`, outputs: (ex?.Outputs ?? {}) as Record<string, string[]> };
  }

  async stop(region: string, executionId: string): Promise<StopOutcome> {
    try {
      await this.clients(region).send(new StopAutomationExecutionCommand({ AutomationExecutionId: executionId, Type: 'Cancel' }));
      return 'stopped';
    } catch (err) {
      if (NOTHING_TO_STOP.has((err as Error).name)) return 'ended';
      // a role without the grant would otherwise hold every deleted collection in Terminating for good
      if ((err as Error).name === 'AccessDeniedException') return 'denied';
      throw err;
    }
  }
}
