import { randomUUID } from 'node:crypto';

/**
 * In-memory SSM Automation for the test-only SSM front (test/README.md): just enough of
 * StartAutomationExecution / GetAutomationExecution / StopAutomationExecution to behave like AWS on
 * the wire — client-token idempotency, not-found errors, an execution that moves Pending →
 * InProgress → a terminal status, and a stop that cancels a running one.
 */

export const TERMINAL = ['Success', 'Failed', 'TimedOut', 'Cancelled', 'CompletedWithSuccess', 'CompletedWithFailure'] as const;
const SETTABLE = new Set<string>(['Pending', 'InProgress', 'Waiting', ...TERMINAL]);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DOCUMENT_NAME = /^[a-zA-Z0-9_\-.:/]{3,128}$/;
const STOP_TYPES = new Set(['Cancel', 'Complete']);

/** An error AWS would answer with: HTTP 400 and `{"__type": code, "message": …}`. */
export class AwsError extends Error {
  constructor(readonly code: string, message: string, readonly status = 400) {
    super(message);
  }
}

export interface Execution {
  id: string;
  documentName: string;
  documentVersion: string;
  parameters: Record<string, string[]>;
  clientToken?: string;
  region: string;
  mode: string;
  startedAt: number;
  /** set by the test hook: pins the status (no further automatic progress) */
  pinned?: { status: string; outputs?: Record<string, string[]>; failureMessage?: string; at: number };
}

export interface Timing {
  /** how long a new execution stays Pending (ms) */
  pendingMs: number;
  /** how long it then stays InProgress before Success (ms); Infinity keeps it running until the hook ends it */
  inProgressMs: number;
}

export class AutomationStore {
  readonly executions = new Map<string, Execution>();
  private readonly byToken = new Map<string, string>();
  startCalls = 0;
  stopCalls = 0;

  constructor(private readonly timing: Timing, private readonly now: () => number = Date.now) {}

  start(input: Record<string, unknown>, region: string): { AutomationExecutionId: string } {
    this.startCalls++;
    const documentName = input.DocumentName;
    if (typeof documentName !== 'string' || !DOCUMENT_NAME.test(documentName)) {
      throw new AwsError('ValidationException', '1 validation error detected: Value at \'documentName\' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9_\\-.:/]{3,128}$');
    }
    const parameters = input.Parameters ?? {};
    if (typeof parameters !== 'object' || Array.isArray(parameters) || Object.values(parameters).some((v) => !Array.isArray(v) || v.some((s) => typeof s !== 'string'))) {
      throw new AwsError('InvalidAutomationExecutionParametersException', 'Parameters must map names to lists of strings');
    }
    const documentVersion = typeof input.DocumentVersion === 'string' && input.DocumentVersion !== '$DEFAULT' && input.DocumentVersion !== '$LATEST' ? input.DocumentVersion : '1';
    const token = input.ClientToken;
    if (token !== undefined) {
      if (typeof token !== 'string' || !UUID.test(token)) {
        throw new AwsError('ValidationException', "1 validation error detected: Value at 'clientToken' failed to satisfy constraint: Member must satisfy the UUID format");
      }
      // AWS: the token is case-insensitive; a reuse with the same request returns the same execution.
      const known = this.byToken.get(token.toLowerCase());
      if (known) {
        const prior = this.executions.get(known)!;
        if (prior.documentName !== documentName || JSON.stringify(prior.parameters) !== JSON.stringify(parameters) || prior.documentVersion !== documentVersion) {
          throw new AwsError('IdempotentParameterMismatch', 'Error returned when an idempotency token was reused with different parameters');
        }
        return { AutomationExecutionId: prior.id };
      }
    }
    const ex: Execution = {
      id: randomUUID(),
      documentName,
      documentVersion,
      parameters: parameters as Record<string, string[]>,
      clientToken: typeof token === 'string' ? token : undefined,
      region,
      mode: typeof input.Mode === 'string' ? input.Mode : 'Auto',
      startedAt: this.now(),
    };
    this.executions.set(ex.id, ex);
    if (ex.clientToken) this.byToken.set(ex.clientToken.toLowerCase(), ex.id);
    return { AutomationExecutionId: ex.id };
  }

  get(input: Record<string, unknown>): { AutomationExecution: Record<string, unknown> } {
    const id = input.AutomationExecutionId;
    if (typeof id !== 'string' || id.length === 0) {
      throw new AwsError('ValidationException', "1 validation error detected: Value null at 'automationExecutionId' failed to satisfy constraint: Member must not be null");
    }
    const ex = this.executions.get(id);
    if (!ex) throw new AwsError('AutomationExecutionNotFoundException', `Automation Execution with id ${id} not found.`);
    return { AutomationExecution: this.describe(ex) };
  }

  /**
   * StopAutomationExecution: a running execution ends Cancelled (AWS passes through Cancelling for a
   * moment; nothing here runs steps, so it is Cancelled at once, for either Type). Stopping one that
   * already ended is InvalidAutomationStatusUpdateException, as on AWS.
   */
  stop(input: Record<string, unknown>): Record<string, never> {
    this.stopCalls++;
    const id = input.AutomationExecutionId;
    if (typeof id !== 'string' || id.length === 0) {
      throw new AwsError('ValidationException', "1 validation error detected: Value null at 'automationExecutionId' failed to satisfy constraint: Member must not be null");
    }
    if (input.Type !== undefined && !STOP_TYPES.has(String(input.Type))) {
      throw new AwsError('ValidationException', `1 validation error detected: Value '${String(input.Type).slice(0, 40)}' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [Complete, Cancel]`);
    }
    const ex = this.executions.get(id);
    if (!ex) throw new AwsError('AutomationExecutionNotFoundException', `Automation Execution with id ${id} not found.`);
    const { status } = this.status(ex);
    if ((TERMINAL as readonly string[]).includes(status)) {
      throw new AwsError('InvalidAutomationStatusUpdateException', `Automation Execution ${id} is already ${status} and cannot be stopped.`);
    }
    ex.pinned = { status: 'Cancelled', at: this.now() };
    return {};
  }

  /** The test hook: `{status, outputs?, failureMessage?}` pins the execution's status. */
  setStatus(id: string, body: unknown): Execution {
    const ex = this.executions.get(id);
    if (!ex) throw new AwsError('AutomationExecutionNotFoundException', `Automation Execution with id ${id} not found.`, 404);
    const b = body as { status?: unknown; outputs?: unknown; failureMessage?: unknown };
    if (typeof b?.status !== 'string' || !SETTABLE.has(b.status)) {
      throw new AwsError('ValidationException', `status must be one of ${[...SETTABLE].join(', ')}`);
    }
    ex.pinned = {
      status: b.status,
      outputs: b.outputs as Record<string, string[]> | undefined,
      failureMessage: typeof b.failureMessage === 'string' ? b.failureMessage : undefined,
      at: this.now(),
    };
    return ex;
  }

  status(ex: Execution): { status: string; endedAt?: number } {
    if (ex.pinned) return { status: ex.pinned.status, endedAt: (TERMINAL as readonly string[]).includes(ex.pinned.status) ? ex.pinned.at : undefined };
    const age = this.now() - ex.startedAt;
    if (age < this.timing.pendingMs) return { status: 'Pending' };
    if (age < this.timing.pendingMs + this.timing.inProgressMs) return { status: 'InProgress' };
    return { status: 'Success', endedAt: ex.startedAt + this.timing.pendingMs + this.timing.inProgressMs };
  }

  /** The AutomationExecution structure of GetAutomationExecution (timestamps: epoch seconds, as JSON 1.1 sends them). */
  describe(ex: Execution): Record<string, unknown> {
    const { status, endedAt } = this.status(ex);
    return {
      AutomationExecutionId: ex.id,
      DocumentName: ex.documentName,
      DocumentVersion: ex.documentVersion,
      ExecutionStartTime: ex.startedAt / 1000,
      ...(endedAt !== undefined ? { ExecutionEndTime: endedAt / 1000 } : {}),
      AutomationExecutionStatus: status,
      StepExecutions: [],
      StepExecutionsTruncated: false,
      Parameters: ex.parameters,
      Outputs: ex.pinned?.outputs ?? {},
      ...(ex.pinned?.failureMessage ? { FailureMessage: ex.pinned.failureMessage } : {}),
      Mode: ex.mode,
      ExecutedBy: 'arn:aws:sts::123456789012:assumed-role/test/ssm-front',
      AutomationType: 'Local',
    };
  }

  reset(): void {
    this.executions.clear();
    this.byToken.clear();
    this.startCalls = 0;
    this.stopCalls = 0;
  }
}
