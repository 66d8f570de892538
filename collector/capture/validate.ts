import { z } from 'zod';
import { CaptureInputError, checkFilterText, checkInterfaceName, MAX_DURATION_SECONDS } from '../../core/capture/capture-input.js';
import { type ArgvRunner, type CaptureTools, inNetns } from './exec.js';

// the pure checks live in core/ so the operator's SSM capture applies the same rules
export { CaptureInputError, checkFilterText, checkInterfaceName, MAX_DURATION_SECONDS, MAX_FILTER_LENGTH } from '../../core/capture/capture-input.js';

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
