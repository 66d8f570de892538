import { type Command, ListCommandsCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AwsError } from './ssm-automation.js';

/**
 * CancelCommand for the test-only SSM front, over moto's own Run Command (test/README.md). moto
 * records SendCommand, runs nothing, reports every command Success at once and has no CancelCommand.
 * So a test holds a command running through the front's hook (as a node is while tcpdump runs);
 * CancelCommand ends a running command Cancelled; and GetCommandInvocation / ListCommands answer with
 * that held or cancelled status in place of moto's. One status per command, for all its instances:
 * the operator sends each capture to exactly one instance.
 */

const RUNNING = new Set(['Pending', 'InProgress', 'Delayed']);
const SETTABLE = new Set([...RUNNING, 'Success', 'Failed', 'TimedOut', 'Cancelled']);
const COMMAND_ID_LENGTH = 36;

export class CommandOverlay {
  private readonly statuses = new Map<string, string>();
  cancelCalls = 0;

  constructor(private readonly motoEndpoint: string) {}

  /** Whether any command has a status of the front's (else moto's answers pass untouched). */
  get active(): boolean {
    return this.statuses.size > 0;
  }

  /** moto's record of the command, in the caller's region; InvalidCommandId as AWS says it for one moto does not know. */
  private async lookup(id: string, region: string): Promise<Command> {
    const ssm = new SSMClient({ region, endpoint: this.motoEndpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    try {
      const cmd = (await ssm.send(new ListCommandsCommand({ CommandId: id }))).Commands?.[0];
      if (!cmd) throw new AwsError('InvalidCommandId', 'Invalid command id.');
      return cmd;
    } catch (err) {
      if ((err as Error).name === 'InvalidCommandId') throw new AwsError('InvalidCommandId', 'Invalid command id.');
      throw err;
    } finally {
      ssm.destroy();
    }
  }

  /** The test hook: `{status, region?}` holds (or ends) a command moto knows at that status. */
  async pin(id: string, body: unknown): Promise<{ commandId: string; status: string }> {
    const b = body as { status?: unknown; region?: unknown };
    if (typeof b?.status !== 'string' || !SETTABLE.has(b.status)) throw new AwsError('ValidationException', `status must be one of ${[...SETTABLE].join(', ')}`);
    await this.lookup(id, typeof b.region === 'string' ? b.region : 'us-east-1').catch((err: unknown) => {
      throw err instanceof AwsError ? new AwsError(err.code, err.message, 404) : err;
    });
    this.statuses.set(id, b.status);
    return { commandId: id, status: b.status };
  }

  /**
   * CancelCommand: a running command ends Cancelled (AWS passes through Cancelling while the agent
   * stops the script; nothing runs here). One that already ended keeps its status and the call
   * succeeds. AWS's validation errors for the id and instance list, InvalidCommandId for an unknown id.
   */
  async cancel(input: Record<string, unknown>, region: string): Promise<Record<string, never>> {
    this.cancelCalls++;
    const id = input.CommandId;
    if (typeof id !== 'string' || id.length !== COMMAND_ID_LENGTH) {
      throw new AwsError('ValidationException', `1 validation error detected: Value at 'commandId' failed to satisfy constraint: Member must have length equal to ${COMMAND_ID_LENGTH}`);
    }
    const instances = input.InstanceIds;
    if (instances !== undefined && (!Array.isArray(instances) || instances.some((i) => typeof i !== 'string'))) {
      throw new AwsError('ValidationException', "1 validation error detected: Value at 'instanceIds' failed to satisfy constraint: Member must be a list of strings");
    }
    if (instances && new Set(instances).size !== instances.length) throw new AwsError('DuplicateInstanceId', 'You cannot specify an instance ID in more than one association.');
    const cmd = await this.lookup(id, region);
    const foreign = (instances as string[] | undefined)?.find((i) => !cmd.InstanceIds?.includes(i));
    if (foreign) throw new AwsError('InvalidInstanceId', `Instance ${foreign} is not a target of command ${id}.`);
    if (RUNNING.has(this.statuses.get(id) ?? cmd.Status ?? 'Success')) this.statuses.set(id, 'Cancelled');
    return {};
  }

  /**
   * moto's GetCommandInvocation / ListCommands answer with the front's statuses put in, or undefined
   * when it names no command the front holds (then moto's bytes go back as they are).
   */
  rewrite(answer: Record<string, unknown>): Record<string, unknown> | undefined {
    let changed = false;
    const put = (o: Record<string, unknown>): Record<string, unknown> => {
      const status = typeof o.CommandId === 'string' ? this.statuses.get(o.CommandId) : undefined;
      if (!status) return o;
      changed = true;
      return { ...o, Status: status, StatusDetails: status };
    };
    const out = Array.isArray(answer.Commands) ? { ...answer, Commands: (answer.Commands as Record<string, unknown>[]).map(put) } : put(answer);
    return changed ? out : undefined;
  }

  reset(): void {
    this.statuses.clear();
    this.cancelCalls = 0;
  }
}
