import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ACK, dns, ether, icmp4, ipv4, pcapFile, PSH, RST, SYN, tcp, udp } from '../../test/helpers/pcap-synth.js';
import { analyzePcap } from './analyze.js';
import { defaultThresholds } from './thresholds.js';

/**
 * One synthetic capture per anomaly type that crosses its threshold in thresholds.yaml (read from
 * the data, so a retuned threshold keeps the scenario honest), and one just under it. Each capture
 * holds only what the scenario needs, so the anomaly list is asserted whole: [P id, type, severity].
 */
const t = defaultThresholds();
const T = 1_700_000_000;
const CLIENT = '10.0.1.10';
const SERVER = '10.0.2.20';
const RESOLVER = '10.0.0.2';

type Pkt = { ts: number; ip: Buffer };
const anomalies = async (pkts: Pkt[]) => {
  const r = await analyzePcap(Readable.from([pcapFile(1, pkts.map((p) => ({ ts: p.ts, data: ether(p.ip) })))]));
  return r.anomalies.map((a) => [a.id, a.type, a.severity]);
};
const times = <X>(n: number, f: (i: number) => X): X[] => Array.from({ length: n }, (_, i) => f(i));
const data = Buffer.alloc(100, 0x61);

/** `n` RST|ACK segments sent by SERVER:80, each to another client port. */
const resets = (n: number) => times(n, (i) => ({ ts: T + i * 0.01, ip: ipv4(SERVER, CLIENT, 6, tcp(80, 40000 + i, 7000, 1000 + i, RST | ACK)) }));

/** `segments` data segments of one flow, then the last `again` of them sent again (within tcp.segmentsPerFlow remembered). */
function retransmitted(segments: number, again: number): Pkt[] {
  const seg = (i: number, ts: number) => ({ ts, ip: ipv4(CLIENT, SERVER, 6, tcp(50001, 443, 1000 + i * 100, 5001, PSH | ACK, { payload: data })) });
  return [...times(segments, (i) => seg(i, T + i * 0.001)), ...times(again, (i) => seg(segments - again + i, T + 1 + i * 0.001))];
}

/** DNS queries to RESOLVER, answered `after` seconds later with `rcode` (unanswered when null); a UDP packet 10 s on ends the capture. */
function queries(n: number, after: number | null, rcode = 0): Pkt[] {
  const out = times(n, (i) => {
    const q = { ts: T + i, ip: ipv4(CLIENT, RESOLVER, 17, udp(30000 + i, 53, dns({ id: i, name: `svc${i}.example.com.` }))) };
    const r = { ts: T + i + (after ?? 0), ip: ipv4(RESOLVER, CLIENT, 17, udp(53, 30000 + i, dns({ id: i, name: `svc${i}.example.com.`, response: true, rcode, answers: rcode ? 0 : 1 }))) };
    return after === null ? [q] : [q, r];
  }).flat();
  return [...out, { ts: T + n + 10, ip: ipv4(CLIENT, SERVER, 17, udp(40000, 7777, Buffer.from('tail'))) }];
}

/** `n` ICMP port-unreachables from SERVER, each quoting a UDP datagram of CLIENT. */
const portUnreachable = (n: number) =>
  times(n, (i) => ({ ts: T + i, ip: ipv4(SERVER, CLIENT, 1, icmp4(3, 3, 0, ipv4(CLIENT, SERVER, 17, udp(41000 + i, 33434, Buffer.alloc(8))).subarray(0, 28))) }));

/** `n` pod SYNs to a ClusterIP, never seen DNATed to a backend nor answered. */
const serviceSyns = (n: number) => times(n, (i) => ({ ts: T + i * 0.01, ip: ipv4('10.0.5.7', '172.20.0.10', 6, tcp(40000 + i, 443, 111 + i * 1000, 0, SYN)) }));

describe('pcap anomalies: emitted at their threshold, absent just under it', () => {
  it(`tcp-rst-pattern: ${t.tcp.rstPerEndpointWarn} resets from one endpoint (tcp.rstPerEndpointWarn)`, async () => {
    expect(await anomalies(resets(t.tcp.rstPerEndpointWarn))).toEqual([['P-001', 'tcp-rst-pattern', 'warning']]);
    expect(await anomalies(resets(t.tcp.rstPerEndpointWarn - 1))).toEqual([]);
  });

  it(`tcp-retransmissions: ${t.tcp.retransmissionMinCount} retransmitted segments at >= ${t.tcp.retransmissionRatioWarn * 100}% of data segments; critical at 5x the ratio`, async () => {
    const min = t.tcp.retransmissionMinCount;
    expect(await anomalies(retransmitted(100, min))).toEqual([['P-001', 'tcp-retransmissions', 'warning']]);
    expect(await anomalies(retransmitted(100, min - 1))).toEqual([]);
    // enough retransmissions, but under the ratio
    expect(await anomalies(retransmitted(Math.ceil(min / t.tcp.retransmissionRatioWarn), min))).toEqual([]);
    expect(await anomalies(retransmitted(min * 4, min))).toEqual([['P-001', 'tcp-retransmissions', 'critical']]);
  });

  it(`dns-unanswered: ${t.dns.unansweredWarn} queries without a response after ${t.dns.unansweredAfterSeconds} s`, async () => {
    expect(await anomalies(queries(t.dns.unansweredWarn, null))).toEqual([['P-001', 'dns-unanswered', 'warning']]);
    expect(await anomalies(queries(t.dns.unansweredWarn - 1, null))).toEqual([]);
  });

  it(`dns-latency: p95 above ${t.dns.latencyP95WarnMs} ms`, async () => {
    const ms = t.dns.latencyP95WarnMs;
    expect(await anomalies(queries(20, (ms + 50) / 1000))).toEqual([['P-001', 'dns-latency', 'warning']]);
    expect(await anomalies(queries(20, (ms - 10) / 1000))).toEqual([]);
  });

  it('dns-servfail and dns-refused: one such response is reported (no count threshold); NOERROR is not', async () => {
    expect(await anomalies(queries(1, 0.01, 2))).toEqual([['P-001', 'dns-servfail', 'warning']]);
    expect(await anomalies(queries(1, 0.01, 5))).toEqual([['P-001', 'dns-refused', 'warning']]);
    expect(await anomalies(queries(1, 0.01, 0))).toEqual([]);
  });

  it(`icmp-unreachable: ${t.icmp.unreachableWarn} destination-unreachables other than frag-needed`, async () => {
    const n = t.icmp.unreachableWarn;
    expect(await anomalies(portUnreachable(n))).toEqual([['P-001', 'icmp-unreachable', 'warning']]);
    expect(await anomalies(portUnreachable(n - 1))).toEqual([]);
    // a frag-needed is reported as PMTUD, and does not make up the unreachable count
    const fragNeeded = { ts: T + 100, ip: ipv4('10.0.0.1', CLIENT, 1, icmp4(3, 4, 1400, ipv4(CLIENT, '192.0.2.1', 6, tcp(50010, 443, 1, 1, ACK)).subarray(0, 28))) };
    expect(await anomalies([...portUnreachable(n - 1), fragNeeded])).toEqual([['P-001', 'icmp-frag-needed', 'warning']]);
  });

  it('tcp-keepalive: one probe (1 byte at snd.nxt - 1) is reported as info, and is not a retransmission; a plain ACK is no probe', async () => {
    const first = { ts: T, ip: ipv4(CLIENT, SERVER, 6, tcp(50001, 443, 1000, 5001, PSH | ACK, { payload: data })) };
    const probe = { ts: T + 45, ip: ipv4(CLIENT, SERVER, 6, tcp(50001, 443, 1099, 5001, ACK, { payload: Buffer.from([0]) })) };
    expect(await anomalies([first, probe])).toEqual([['P-001', 'tcp-keepalive', 'info']]);
    const ack = { ts: T + 45, ip: ipv4(CLIENT, SERVER, 6, tcp(50001, 443, 1100, 5001, ACK)) };
    expect(await anomalies([first, ack])).toEqual([]);
  });

  it(`kube-service-untranslated: ${t.nat.untranslatedPerServiceWarn} SYNs to a ClusterIP neither DNATed nor answered`, async () => {
    expect(await anomalies(serviceSyns(t.nat.untranslatedPerServiceWarn))).toEqual([['P-001', 'kube-service-untranslated', 'warning']]);
    expect(await anomalies(serviceSyns(t.nat.untranslatedPerServiceWarn - 1))).toEqual([]);
  });
});
