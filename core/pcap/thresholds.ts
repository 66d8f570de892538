import { dataPath } from '../util/data-path.js';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';

const num = z.number().nonnegative();
const cidr = z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, 'an IPv4 CIDR such as 10.100.0.0/16');

export const ThresholdsSchema = z.object({
  dns: z.object({
    unansweredAfterSeconds: num,
    unansweredWarn: num,
    nxdomainPerNameWarn: num,
    latencyP95WarnMs: num,
    searchExpansionWindowSeconds: num,
    searchSuffixes: z.array(z.string()),
  }),
  tcp: z.object({
    rstPerEndpointWarn: num,
    refusedWarn: num,
    halfOpenPerDestinationWarn: num,
    halfOpenRatioWarn: num,
    retransmissionRatioWarn: num,
    retransmissionMinCount: num,
    zeroWindowWarn: num,
    segmentsPerFlow: z.number().int().positive(),
  }),
  icmp: z.object({ fragNeededWarn: num, unreachableWarn: num }),
  bursts: z.object({ factorOverMedian: num, minPackets: num, maxReported: z.number().int().nonnegative() }),
  topTalkers: z.object({ count: z.number().int().nonnegative() }),
  mtu: z.object({ standard: num, jumbo: num }),
  coredns: z.object({ windowSeconds: z.number().positive(), minErrors: num }),
  conntrack: z.object({ newFlowsPerSecondWarn: num, oneSidedFlowsWarn: num }),
  nat: z.object({ serviceCidrs: z.array(cidr), podCidrs: z.array(cidr), untranslatedPerServiceWarn: num }),
  reassembly: z.object({
    fragmentTimeoutSeconds: z.number().positive(),
    maxDatagrams: z.number().int().positive(),
    maxFragmentBytes: z.number().int().positive(),
    maxTcpDnsFlows: z.number().int().positive(),
    maxTcpDnsBytes: z.number().int().positive(),
  }),
  limits: z.object({
    maxFlows: z.number().int().positive(),
    maxPendingDns: z.number().int().positive(),
    maxNames: z.number().int().positive(),
    maxLatencySamples: z.number().int().positive(),
  }),
});
export type Thresholds = z.infer<typeof ThresholdsSchema>;
export type ThresholdOverrides = { [K in keyof Thresholds]?: Partial<Thresholds[K]> };

let cached: Thresholds | undefined;

/** The data file beside the sources (see dataPath), loaded once. */
export function defaultThresholds(): Thresholds {
  cached ??= ThresholdsSchema.parse(parse(readFileSync(dataPath('pcap/thresholds.yaml'), 'utf8')));
  return cached;
}

export function withOverrides(base: Thresholds, o: ThresholdOverrides = {}): Thresholds {
  const merged = Object.fromEntries(Object.entries(base).map(([k, v]) => [k, { ...v, ...(o[k as keyof Thresholds] ?? {}) }]));
  return ThresholdsSchema.parse(merged);
}
