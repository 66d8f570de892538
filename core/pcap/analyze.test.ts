import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { knownScenario } from '../../test/helpers/pcap-scenario.js';
import { ACK, dns, ether, ipv4, pcapFile, pcapngFile, sll2, SYN, tcp, udp } from '../../test/helpers/pcap-synth.js';
import { analyzePcap } from './analyze.js';

const run = (f: Buffer, opts = {}) => analyzePcap(Readable.from([f]), opts);
const eth = (ip: Buffer, v6?: boolean) => ether(ip, v6 ? 0x86dd : 0x0800);
const sl2 = (ip: Buffer, v6?: boolean) => sll2(ip, v6 ? 0x86dd : 0x0800);

describe('analyzePcap on the known scenario', () => {
  const { packets, expected: e } = knownScenario();
  it('counts what the scenario holds, identically for Ethernet, SLL2 and pcapng', async () => {
    const a = await run(pcapFile(1, packets.map((p) => ({ ts: p.ts, data: eth(p.ip, p.v6) }))));
    const b = await run(pcapFile(276, packets.map((p) => ({ ts: p.ts, data: sl2(p.ip, p.v6) })), { nano: true, le: false }));
    const c = await run(pcapngFile([1, 276], packets.map((p, i) => ({ ts: p.ts, iface: i % 2, data: i % 2 ? sl2(p.ip, p.v6) : eth(p.ip, p.v6) }))));
    expect(a).toMatchObject({
      packets: packets.length,
      undecodable: 0,
      dns: { queries: e.dnsQueries, responses: e.dnsResponses, unanswered: e.unanswered, nxdomainSearchExpansion: e.searchExpansion, rcodes: { NOERROR: e.noerror, NXDOMAIN: e.nxdomain, SERVFAIL: e.servfail, REFUSED: e.refused } },
      tcp: { syn: e.syn, synAck: e.synAck, rst: e.rst, retransmissions: e.retransmissions, zeroWindow: e.zeroWindow, refused: e.connRefused, keepalives: e.keepalives },
      icmp: { fragNeeded: e.fragNeeded, unreachable: e.unreachable, echo: e.echo },
    });
    // talker bytes include the link header (14 vs 20 bytes), so their order may differ
    const strip = (r: typeof a) => ({ ...r, linkTypes: {}, format: '', topTalkers: [], anomalies: r.anomalies.map((x) => ({ ...x, evidence: {} })) });
    expect(strip(b)).toEqual(strip(a));
    expect(strip(c)).toEqual(strip(a));
    expect(c.linkTypes).toEqual({ ETHERNET: Math.ceil(packets.length / 2), LINUX_SLL2: Math.floor(packets.length / 2) });
  });
  it('anomaly ids are sequential and deterministic', async () => {
    const f = pcapFile(1, packets.map((p) => ({ ts: p.ts, data: eth(p.ip, p.v6) })));
    const [x, y] = [await run(f), await run(f)];
    expect(x.anomalies).toEqual(y.anomalies);
    expect(x.anomalies.map((a) => a.id)).toEqual(x.anomalies.map((_, i) => `P-${String(i + 1).padStart(3, '0')}`));
    expect(x.anomalies.map((a) => a.type)).toEqual(expect.arrayContaining(['dns-nxdomain', 'dns-search-expansion', 'tcp-connection-refused', 'tcp-zero-window', 'icmp-frag-needed']));
    expect(x.anomalies.find((a) => a.type === 'dns-nxdomain')!.evidence).toEqual({ names: [{ key: 'missing.example.com.', count: 3 }] });
  });
});

describe('analysis modules', () => {
  const T = 1_700_000_000;
  it('kube-proxy DNAT and VPC CNI SNAT from the same SYN seen twice', async () => {
    const recs = [
      { ts: T, data: sll2(ipv4('10.0.5.7', '172.20.0.10', 6, tcp(40000, 443, 111, 0, SYN))) },
      { ts: T + 0.0001, data: sll2(ipv4('10.0.5.7', '10.0.6.8', 6, tcp(40000, 8443, 111, 0, SYN))) },
      { ts: T + 0.1, data: sll2(ipv4('10.0.5.7', '52.1.2.3', 6, tcp(40001, 443, 222, 0, SYN))) },
      { ts: T + 0.1001, data: sll2(ipv4('10.0.1.50', '52.1.2.3', 6, tcp(61000, 443, 222, 0, SYN))) },
    ];
    const r = await run(pcapFile(276, recs));
    const dnat = r.anomalies.find((a) => a.type === 'kube-proxy-dnat')!;
    expect(dnat.evidence).toMatchObject({ translated: 1, services: [{ service: '172.20.0.10:443', backends: ['10.0.6.8:8443'] }] });
    expect(r.anomalies.find((a) => a.type === 'vpc-cni-snat')!.evidence).toMatchObject({ snatted: 1, nodes: [{ nodeIp: '10.0.1.50', pods: ['10.0.5.7'] }] });
    // with a different service CIDR the first pair is no longer DNAT
    const other = await run(pcapFile(276, recs), { serviceCidrs: ['10.100.0.0/16'] });
    expect(other.anomalies.find((a) => a.type === 'kube-proxy-dnat')).toBeUndefined();
  });
  it('CoreDNS transients: SERVFAILs in a burst', async () => {
    const recs = Array.from({ length: 6 }, (_, i) => [
      { ts: T + 100 + i, data: ether(ipv4('10.0.0.1', '172.20.0.10', 17, udp(30000 + i, 53, dns({ id: i, name: 'x.com.' })))) },
      { ts: T + 100 + i + 0.01, data: ether(ipv4('172.20.0.10', '10.0.0.1', 17, udp(53, 30000 + i, dns({ id: i, name: 'x.com.', response: true, rcode: 2 })))) },
    ]).flat();
    const r = await run(pcapFile(1, [{ ts: T, data: ether(ipv4('1.1.1.1', '2.2.2.2', 17, udp(1, 2, Buffer.alloc(4)))) }, ...recs]));
    expect(r.anomalies.find((a) => a.type === 'coredns-transient')!.evidence).toMatchObject({ bursts: [{ errors: 6 }] });
  });
  it('SYN flood, traffic burst, conntrack pressure and one-sided flows', async () => {
    const recs = Array.from({ length: 3000 }, (_, i) => ({ ts: T + 10 + i / 10000, data: ether(ipv4(`10.1.${i >> 8}.${i & 255}`, '10.0.0.80', 6, tcp(1024 + i, 80, i, 0, SYN))) }));
    const quiet = Array.from({ length: 10 }, (_, i) => ({ ts: T + i, data: ether(ipv4('10.0.0.1', '10.0.0.2', 6, tcp(1, 2, i, 0, ACK))) }));
    const r = await run(pcapFile(1, [...quiet, ...recs, { ts: T + 20, data: quiet[0]!.data }]));
    const types = r.anomalies.map((a) => a.type);
    expect(types).toEqual(expect.arrayContaining(['tcp-half-open', 'traffic-burst', 'conntrack-new-flow-rate', 'conntrack-one-sided']));
    expect(r.anomalies.find((a) => a.type === 'tcp-half-open')!.evidence).toMatchObject({ dst: '10.0.0.80:80', syns: 3000, halfOpen: 3000 });
  });
  it('bounded tables: a tiny flow cap evicts and says so, counts stay exact', async () => {
    const recs = Array.from({ length: 500 }, (_, i) => ({ ts: T + i, data: ether(ipv4('10.0.0.1', '10.0.0.2', 6, tcp(2000 + i, 80, i, 0, SYN))) }));
    const r = await run(pcapFile(1, recs), { thresholds: { limits: { maxFlows: 50 } } });
    expect(r.tcp.syn).toBe(500);
    expect(r.evictions['top-talkers']).toBe(450);
  });
  it('fragments and IP packets over the standard MTU', async () => {
    const f = ether(ipv4('10.0.0.1', '10.0.0.2', 17, Buffer.alloc(1480), { mf: true }));
    const big = ether(ipv4('10.0.0.1', '10.0.0.2', 17, udp(1, 2, Buffer.alloc(8000))));
    const r = await run(pcapFile(1, [{ ts: T, data: f }, { ts: T + 1, data: big }]));
    expect(r.anomalies.map((a) => a.type)).toEqual(['ip-fragmentation', 'mtu-jumbo-frames']);
  });
});
