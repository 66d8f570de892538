import { z } from 'zod';
import { type ArgvRunner, type CaptureTools, inNetns } from './exec.js';

/** The caller can fix this: a filter that does not compile, an unknown interface, a limit out of range. */
export class CaptureInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CaptureInputError';
  }
}

export const MAX_FILTER_LENGTH = 1024;
export const MAX_DURATION_SECONDS = 3600;

/** Limits of one capture; every field bounded so no request can fill a node's disk or run forever. */
export const CaptureLimitsSchema = z.object({
  durationSeconds: z.number().int().min(1).max(MAX_DURATION_SECONDS).default(30).describe('capture length, seconds (1..3600)'),
  maxPackets: z.number().int().min(1).max(100_000_000).optional().describe('stop after this many packets (tcpdump -c)'),
  maxBytes: z.number().int().min(4096).max(16 * 1024 ** 3).default(512 * 1024 ** 2).describe('stop once the capture holds this many bytes of pcap data'),
  chunkBytes: z.number().int().min(4096).max(1024 ** 3).default(64 * 1024 ** 2).describe('rotate into a new chunk file past this many bytes'),
  snaplen: z.number().int().min(64).max(262_144).default(262_144).describe('bytes kept of each packet (tcpdump -s)'),
  minFreeBytes: z.number().int().min(0).default(256 * 1024 ** 2).describe('stop when the temp filesystem has less free space than this'),
});
export type CaptureLimits = z.infer<typeof CaptureLimitsSchema>;

export function validateLimits(input: z.input<typeof CaptureLimitsSchema>): CaptureLimits {
  const r = CaptureLimitsSchema.safeParse(input);
  if (!r.success) throw new CaptureInputError(`invalid capture limits: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return r.data;
}

/**
 * Cheap refusals before tcpdump sees the filter: length, and control characters (a newline would
 * be the classic way to smuggle a second line into anything that is line-oriented). Everything else
 * is the BPF compiler's call: no character blacklist (DESIGN.md §11), the compiler is the parser.
 */
export function checkFilterText(filter: string): void {
  if (filter.length > MAX_FILTER_LENGTH) throw new CaptureInputError(`filter is ${filter.length} characters; at most ${MAX_FILTER_LENGTH}`);
  // eslint-disable-next-line no-control-regex
  const bad = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.exec(filter);
  if (bad) throw new CaptureInputError(`filter contains a control character (U+${bad[0].charCodeAt(0).toString(16).padStart(4, '0')}) at offset ${bad.index}; a BPF filter is one line of text`);
}

/** tcpdump's -y names for the link types `ip -j link` reports; `any` captures in Linux cooked v2. */
export function dltFor(linkType: string | undefined): string {
  if (linkType === 'any') return 'LINUX_SLL2';
  if (linkType === 'none') return 'RAW';
  return 'EN10MB'; // ether, loopback, and what else carries an Ethernet header on Linux
}

/**
 * Compiles the filter with `tcpdump -d -y <dlt> -- <filter>` (argv, no shell, no device opened, no
 * packet read) and refuses it with the compiler's own message when that fails.
 */
export async function compileFilter(run: ArgvRunner, tools: CaptureTools, filter: string, dlt = 'EN10MB'): Promise<void> {
  checkFilterText(filter);
  if (filter.trim() === '') return;
  const r = await run(tools.tcpdump, ['-d', '-y', dlt, '--', filter], { timeoutMs: 10_000 });
  if (r.code !== 0) {
    const msg = r.stderr.split('\n').map((l) => l.trim()).filter((l) => l && !/^Warning: assuming/.test(l)).join('; ').slice(0, 500);
    throw new CaptureInputError(`BPF filter refused by the compiler (tcpdump -d): ${msg || `exit ${r.code}`}`);
  }
}

/**
 * Linux dev_valid_name (net/core/dev.c): 1..15 bytes (IFNAMSIZ 16 with the NUL), not "." or "..",
 * no '/', ':' or whitespace. Stricter on purpose: printable ASCII only, no leading '-' (it would read
 * as an option to ip), and not all digits (tcpdump -i takes a number as an interface index).
 */
export function checkInterfaceName(name: string): void {
  if (name === 'any') return;
  const show = JSON.stringify(name.slice(0, 40));
  if (name.length < 1 || Buffer.byteLength(name) > 15) throw new CaptureInputError(`interface name ${show} must be 1 to 15 characters (Linux IFNAMSIZ)`);
  if (name === '.' || name === '..') throw new CaptureInputError(`interface name ${show} is not valid`);
  if (/[/:\s]/.test(name)) throw new CaptureInputError(`interface name ${show} contains '/', ':' or whitespace, which Linux interface names cannot`);
  if (!/^[\x21-\x7e]+$/.test(name)) throw new CaptureInputError(`interface name ${show} has characters outside printable ASCII`);
  if (name.startsWith('-')) throw new CaptureInputError(`interface name ${show} starts with '-'`);
  if (/^\d+$/.test(name)) throw new CaptureInputError(`interface name ${show} is all digits, which tcpdump would read as an interface index`);
}

export interface NetLink {
  name: string;
  linkType: string;
}

/** The interfaces of a network namespace, from `ip -j link show` run inside it. */
export async function listLinks(run: ArgvRunner, tools: CaptureTools, nsPath: string | undefined): Promise<NetLink[]> {
  const [file, args] = inNetns(tools, nsPath, [tools.ip, '-j', 'link', 'show']);
  const r = await run(file, args, { timeoutMs: 10_000 });
  if (r.code !== 0) throw new Error(`listing interfaces failed (${file} exit ${r.code}): ${r.stderr.trim().slice(0, 300)}`);
  const rows = JSON.parse(r.stdout) as { ifname?: string; link_type?: string }[];
  return rows.filter((x) => typeof x.ifname === 'string').map((x) => ({ name: x.ifname!, linkType: x.link_type ?? 'ether' }));
}

/** The interface exists in the target namespace (or is `any`); returns its link type for compiling. */
export async function checkInterfaceExists(run: ArgvRunner, tools: CaptureTools, nsPath: string | undefined, name: string): Promise<string> {
  checkInterfaceName(name);
  if (name === 'any') return 'any';
  const links = await listLinks(run, tools, nsPath);
  const l = links.find((x) => x.name === name);
  if (!l) throw new CaptureInputError(`no interface ${JSON.stringify(name)} in the target network namespace; it has: any, ${links.map((x) => x.name).slice(0, 30).join(', ')}`);
  return l.linkType;
}
