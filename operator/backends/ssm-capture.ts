import { type SendCommandCommandInput, CancelCommandCommand, GetCommandInvocationCommand, ListCommandsCommand, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { CaptureInputError, checkFilterText, checkInterfaceName, MAX_DURATION_SECONDS } from '../../core/capture/capture-input.js';
import { perRegion } from '../../core/util/per-region.js';
import type { StopOutcome } from './ssm-automation.js';

/** The AWS-owned document that runs a shell script on the instance (DESIGN.md §7: captures over SSM). */
export const CAPTURE_DOCUMENT = 'AWS-RunShellScript';
/** Where the node uploads, below the bucket's results/ prefix (the CDK app grants node roles PutObject there). */
export const DEFAULT_CAPTURE_PREFIX = 'results/captures-ssm/';

/**
 * The script every SSM capture runs, fixed text: nothing of the PacketCapture spec is ever spliced
 * into it. AWS-RunShellScript takes data only as `commands` lines, so the request's values arrive as
 * the `ENLM_*` assignments that precede these lines (captureCommands): the filter base64-encoded and
 * decoded here into a file that tcpdump reads with -F (no shell ever parses the filter), every other
 * value checked against an alphabet no shell gives a meaning to inside single quotes, or an integer.
 * tcpdump writes to stdout (-w -) so a build that drops privileges (-Z) cannot lose the file; the loop
 * stops it at the duration or the byte cap (checked each second, so it may overshoot by a second of
 * traffic). Exit 3 says what was missing; the operator reports stderr with the command's status.
 */
export const CAPTURE_SCRIPT: readonly string[] = [
  'set -u',
  'umask 077',
  'fail() { echo "enlm-capture: $*" >&2; exit 3; }',
  'for t in tcpdump aws base64 stat; do command -v "$t" >/dev/null 2>&1 || fail "$t is not installed on this node"; done',
  'work=$(mktemp -d /tmp/enlm-capture.XXXXXX) || fail "cannot create a work directory"',
  'trap \'rm -rf "$work"\' EXIT',
  'printf \'%s\' "$ENLM_FILTER_B64" | base64 -d > "$work/filter" || fail "the filter parameter is not base64"',
  'tcpdump -n -U -i "$ENLM_IFACE" -s "$ENLM_SNAPLEN" -c "$ENLM_MAX_PACKETS" -F "$work/filter" -w - > "$work/capture.pcap" 2> "$work/tcpdump.err" &',
  'pid=$!',
  'elapsed=0',
  'while kill -0 "$pid" 2>/dev/null; do',
  '  size=$(stat -c %s "$work/capture.pcap" 2>/dev/null || echo 0)',
  '  if [ "$elapsed" -ge "$ENLM_DURATION" ] || [ "$size" -ge "$ENLM_MAX_BYTES" ]; then kill -INT "$pid" 2>/dev/null; break; fi',
  '  sleep 1',
  '  elapsed=$((elapsed + 1))',
  'done',
  'rc=0',
  'wait "$pid" || rc=$?',
  'if [ "$rc" -ne 0 ]; then tail -c 2000 "$work/tcpdump.err" >&2; fail "tcpdump exited $rc"; fi',
  '[ -s "$work/capture.pcap" ] || { tail -c 2000 "$work/tcpdump.err" >&2; fail "tcpdump wrote no capture file"; }',
  'aws s3 cp --only-show-errors --region "$ENLM_REGION" "$work/capture.pcap" "$ENLM_DEST" || fail "upload to $ENLM_DEST failed"',
  'echo "enlm-capture: uploaded $(stat -c %s "$work/capture.pcap") bytes to $ENLM_DEST"',
];

export interface SsmCaptureRequest {
  instanceId: string;
  /** the node's region (SendCommand goes there) */
  region: string;
  /** the hub's capture id: names the uploaded object and marks the command (Comment) */
  captureId: string;
  filter?: string;
  interface: string;
  durationSeconds: number;
  maxPackets: number;
  maxBytes: number;
  snapLength: number;
}

export interface CaptureDestination {
  bucket: string;
  /** the bucket's region, for `aws s3 cp --region` */
  region: string;
  prefix: string;
}

const BASE64 = /^[A-Za-z0-9+/=]*$/;
// each value below is written between single quotes; none of these alphabets holds a quote
const IFACE = /^[A-Za-z0-9_.@-]{1,15}$/;
const INSTANCE = /^i-[0-9a-f]{8,17}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const KEY_PART = /^[A-Za-z0-9._/-]*$/;
const CAPTURE_ID = /^[A-Za-z0-9-]{1,64}$/;

export const captureObjectKey = (prefix: string, instanceId: string, captureId: string) => `${prefix}${instanceId}/${captureId}.pcap`;
/** The command's Comment: how an operator restarted before recording the command id finds it again. */
export const captureComment = (captureId: string) => `eks-node-log-mcp capture ${captureId}`;

function int(name: string, v: number, min: number, max: number): string {
  if (!Number.isSafeInteger(v) || v < min || v > max) throw new CaptureInputError(`${name} must be an integer from ${min} to ${max}, got ${String(v).slice(0, 40)}`);
  return String(v);
}

function safe(name: string, v: string, re: RegExp): string {
  if (!re.test(v)) throw new CaptureInputError(`${name} ${JSON.stringify(v.slice(0, 80))} is not valid here`);
  return `'${v}'`;
}

/**
 * The `commands` parameter: the request as `ENLM_*` assignments, then CAPTURE_SCRIPT unchanged.
 * Every value is checked before it is written, so nothing from the spec can end the assignment it
 * sits in; the filter travels only as base64.
 */
export function captureCommands(r: SsmCaptureRequest, dest: CaptureDestination): string[] {
  const filter = r.filter ?? '';
  checkFilterText(filter);
  checkInterfaceName(r.interface);
  const b64 = Buffer.from(filter, 'utf8').toString('base64');
  if (!BASE64.test(b64)) throw new CaptureInputError('the encoded filter is not base64'); // cannot happen; the guard keeps it so
  if (!KEY_PART.test(dest.prefix) || dest.prefix.includes('..')) throw new CaptureInputError(`capture key prefix ${JSON.stringify(dest.prefix)} is not valid`);
  safe('capture id', r.captureId, CAPTURE_ID);
  safe('instance id', r.instanceId, INSTANCE);
  safe('bucket', dest.bucket, BUCKET);
  const url = `s3://${dest.bucket}/${captureObjectKey(dest.prefix, r.instanceId, r.captureId)}`;
  return [
    `ENLM_FILTER_B64='${b64}'`,
    `ENLM_IFACE=${safe('interface', r.interface, IFACE)}`,
    `ENLM_DURATION=${int('durationSeconds', r.durationSeconds, 1, MAX_DURATION_SECONDS)}`,
    `ENLM_MAX_PACKETS=${int('maxPackets', r.maxPackets, 1, 100_000_000)}`,
    `ENLM_MAX_BYTES=${int('maxBytes', r.maxBytes, 1, 2 ** 31)}`,
    `ENLM_SNAPLEN=${int('snapLength', r.snapLength, 0, 262_144)}`,
    `ENLM_REGION=${safe('bucket region', dest.region, REGION)}`,
    `ENLM_DEST=${safe('destination', url, /^s3:\/\/[A-Za-z0-9._/-]+$/)}`,
    ...CAPTURE_SCRIPT,
  ];
}

export type CommandState = 'running' | 'succeeded' | 'failed';

export interface SsmCapturePort {
  /** Sends the capture command; returns its id. Throws CaptureInputError for a request it will not send. */
  send(r: SsmCaptureRequest): Promise<string>;
  /** A capture command already sent for this capture id (by a pass that crashed before recording it). */
  find(region: string, instanceId: string, captureId: string): Promise<string | undefined>;
  poll(region: string, commandId: string, instanceId: string): Promise<{ state: CommandState; detail: string }>;
  /**
   * Cancels the command (the SSM agent stops the script, and tcpdump with it): 'ended' when SSM no
   * longer knows it, 'denied' when the operator's role may not cancel it. Other errors throw.
   */
  cancel(region: string, commandId: string): Promise<StopOutcome>;
}

const RUNNING = new Set(['Pending', 'InProgress', 'Delayed', 'Cancelling']);
// the invocation can trail SendCommand by a moment on AWS: not there yet is still running
const NOT_YET = new Set(['InvocationDoesNotExist']);
// a command SSM no longer knows (commands expire), or whose instance is gone: nothing left to cancel
const NOTHING_TO_CANCEL = new Set(['InvalidCommandId', 'InvalidInstanceId']);

/**
 * SendCommand of AWS-RunShellScript through the SDK. SendCommand has no client token: the operator
 * records the command id in status.ssmCommandId before it polls and never sends while one is set,
 * and before sending it looks for a command of this capture (ListCommands for the instance, matched
 * by Comment). What remains: two passes racing between ListCommands and SendCommand, or a command
 * ListCommands does not list yet (it is eventually consistent) — an operator killed in that window
 * can send a second capture to the node. The capture id names the object, so the two upload the
 * same key and the hub still holds one capture.
 */
export class SdkSsmCapture implements SsmCapturePort {
  /** one SDK client per region (the node's region comes from its providerID) */
  private readonly clients = perRegion((region) => new SSMClient({ region, endpoint: this.o.endpoint, credentials: this.o.credentials, maxAttempts: 3 }));

  constructor(
    private readonly o: { destination: CaptureDestination; endpoint?: string; credentials?: { accessKeyId: string; secretAccessKey: string } },
    private readonly onSend?: () => void,
  ) {}


  async send(r: SsmCaptureRequest): Promise<string> {
    const input = sendCommandInput(r, this.o.destination);
    this.onSend?.();
    const out = await this.clients(r.region).send(new SendCommandCommand(input));
    const id = out.Command?.CommandId;
    if (!id) throw new Error('SendCommand returned no command id');
    return id;
  }

  async find(region: string, instanceId: string, captureId: string): Promise<string | undefined> {
    const comment = captureComment(captureId);
    let token: string | undefined;
    do {
      const page = await this.clients(region).send(new ListCommandsCommand({ InstanceId: instanceId, NextToken: token }));
      const hit = page.Commands?.find((c) => c.Comment === comment && c.DocumentName === CAPTURE_DOCUMENT);
      if (hit?.CommandId) return hit.CommandId;
      token = page.NextToken;
    } while (token);
    return undefined;
  }

  async poll(region: string, commandId: string, instanceId: string) {
    try {
      const r = await this.clients(region).send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }));
      const status = r.Status ?? 'Unknown';
      const state: CommandState = status === 'Success' ? 'succeeded' : RUNNING.has(status) ? 'running' : 'failed';
      const err = (r.StandardErrorContent ?? '').trim().slice(-500);
      return { state, detail: `${status}${r.StatusDetails && r.StatusDetails !== status ? ` (${r.StatusDetails})` : ''}${err ? `: ${err}` : ''}` };
    } catch (err) {
      if (NOT_YET.has((err as Error).name)) return { state: 'running' as const, detail: 'not delivered yet' };
      throw err;
    }
  }

  /** CancelCommand of the whole command: it targets exactly one instance (sendCommandInput). A finished one stays as it ended. */
  async cancel(region: string, commandId: string): Promise<StopOutcome> {
    try {
      await this.clients(region).send(new CancelCommandCommand({ CommandId: commandId }));
      return 'stopped';
    } catch (err) {
      const name = (err as Error).name;
      if (NOTHING_TO_CANCEL.has(name)) return 'ended';
      // a role without the grant would otherwise hold every deleted capture in Terminating for good
      if (name === 'AccessDeniedException') return 'denied';
      throw err;
    }
  }
}

/** The SendCommand request for one capture: exactly one instance, the fixed script with the request as data. */
export function sendCommandInput(r: SsmCaptureRequest, destination: CaptureDestination): SendCommandCommandInput {
  return {
    DocumentName: CAPTURE_DOCUMENT,
    InstanceIds: [r.instanceId],
    Comment: captureComment(r.captureId),
    // delivery: a node that does not pick the command up within 10 minutes will not
    TimeoutSeconds: 600,
    Parameters: { commands: captureCommands(r, destination), executionTimeout: [String(r.durationSeconds + 600)] },
  };
}
