import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { reassemblyScenario } from '../../test/helpers/pcap-reassembly-scenario.js';
import { ACK, ether, ipv4, pcapFile, PSH, SYN, tcp, udp } from '../../test/helpers/pcap-synth.js';
import { analyzePcap } from './analyze.js';
import type { TcpInfo } from './decode/packet.js';
import { Ipv4Defrag, TcpDnsStreams } from './reassembly.js';
import { defaultThresholds } from './thresholds.js';

const T = defaultThresholds().reassembly;
const run = (ips: { ts: number; ip: Buffer }[], opts = {}) => analyzePcap(Readable.from([pcapFile(1, ips.map((p) => ({ ts: p.ts, data: ether(p.ip) })))]), opts);
const seg = (seq: number, flags = ACK): TcpInfo => ({ srcPort: 41000, dstPort: 53, seq, ack: 0, flags, window: 65535, payloadLen: 0 });
const framed = (m: Buffer) => Buffer.concat([Buffer.from([m.length >> 8, m.length & 255]), m]);

describe('IPv4 fragment reassembly', () => {
  it('puts fragments together in any order; a duplicate does not break it', () => {
    const d = new Ipv4Defrag(T);
    const data = Buffer.from(Array.from({ length: 40 }, (_, i) => i));
    expect(d.add('k', 0, 16, true, data.subarray(16, 32))).toBeNull();
    expect(d.add('k', 0, 32, false, data.subarray(32))).toBeNull();
    expect(d.add('k', 0, 16, true, data.subarray(16, 32))).toBeNull();
    expect(d.add('k', 0, 0, true, data.subarray(0, 16))).toEqual(data);
    expect([d.reassembled, d.pending]).toEqual([1, 0]);
  });

  it('bounded: times out, caps datagrams and bytes, rejects datagrams past 64 KiB and a second end', () => {
    const d = new Ipv4Defrag({ ...T, fragmentTimeoutSeconds: 30, maxDatagrams: 2, maxFragmentBytes: 100 });
    d.add('a', 0, 0, true, Buffer.alloc(8));
    expect(d.add('a', 31, 8, false, Buffer.alloc(8))).toBeNull(); // 'a' expired first: this starts a new one
    expect(d.dropped).toBe(1);
    d.add('b', 31, 0, true, Buffer.alloc(8));
    d.add('c', 31, 0, true, Buffer.alloc(8)); // third datagram: the oldest ('a') goes
    expect([d.pending, d.dropped]).toEqual([2, 2]);
    d.add('d', 31, 0, true, Buffer.alloc(96)); // past the byte cap: oldest dropped until it fits
    expect(d.pending).toBeLessThanOrEqual(2);
    const e = new Ipv4Defrag(T);
    expect(e.add('x', 0, 65512, false, Buffer.alloc(16))).toBeNull();
    e.add('y', 0, 16, false, Buffer.alloc(8));
    expect(e.add('y', 0, 8, false, Buffer.alloc(8))).toBeNull(); // two different ends
    expect(e.dropped).toBe(2);
  });
});

describe('DNS over TCP streams', () => {
  it('messages across segments, several in one segment, a split length prefix, retransmitted bytes skipped', () => {
    const s = new TcpDnsStreams(T);
    const a = framed(Buffer.from('a'.repeat(20)));
    const b = framed(Buffer.from('b'.repeat(30)));
    const c = framed(Buffer.from('c'.repeat(12)));
    expect(s.segment('k', seg(99, SYN), Buffer.alloc(0))).toEqual([]);
    const all = Buffer.concat([a, b, c]);
    expect(s.segment('k', seg(100), all.subarray(0, 10))).toEqual([]);
    expect(s.segment('k', seg(100), all.subarray(0, 10))).toEqual([]); // retransmission: nothing new
    expect(s.segment('k', seg(105), all.subarray(5, 23)).map(String)).toEqual(['a'.repeat(20)]); // overlaps 5 old bytes
    expect(s.segment('k', seg(123), all.subarray(23, 23 + 32 + 1)).map(String)).toEqual(['b'.repeat(30)]);
    expect(s.segment('k', seg(156), all.subarray(56)).map(String)).toEqual(['c'.repeat(12)]);
    expect(s.messages).toBe(3);
  });

  it('a gap abandons the stream (no message from a wrong boundary); sequence numbers wrap', () => {
    const s = new TcpDnsStreams(T);
    const a = framed(Buffer.from('a'.repeat(20)));
    s.segment('k', seg(0xfffffff0, SYN), Buffer.alloc(0));
    expect(s.segment('k', seg(0xfffffff1), a.subarray(0, 4))).toEqual([]);
    expect(s.segment('k', seg(0xfffffff5), a.subarray(4)).length).toBe(1); // crosses 2^32
    expect(s.segment('k', seg(0x20), a)).toEqual([]); // bytes missing before this one
    expect(s.dropped).toBe(1);
  });

  it('bounded: the oldest stream goes past the flow or byte cap; a zero length prefix is garbage', () => {
    const s = new TcpDnsStreams({ ...T, maxTcpDnsFlows: 2, maxTcpDnsBytes: 64 });
    s.segment('a', seg(1), Buffer.from([0, 200, 1]));
    s.segment('b', seg(1), Buffer.from([0, 200, 1]));
    s.segment('c', seg(1), Buffer.from([0, 200, 1]));
    expect(s.dropped).toBe(1);
    s.segment('c', seg(4), Buffer.alloc(70, 1));
    expect(s.dropped).toBeGreaterThanOrEqual(2);
    const z = new TcpDnsStreams(T);
    expect(z.segment('k', seg(1), Buffer.from([0, 0, 1, 2]))).toEqual([]);
    expect(z.dropped).toBe(1);
  });
});

describe('analyzePcap counts reassembled DNS', () => {
  it('fragmented UDP answers and DNS over TCP, once each', async () => {
    const { packets, expected: e } = reassemblyScenario();
    const r = await run(packets);
    expect(r).toMatchObject({ undecodable: 0, dns: { queries: e.queries, responses: e.responses, rcodes: { NOERROR: e.noerror, NXDOMAIN: e.nxdomain } } });
    // the capture is shorter than the unanswered timeout: the lost answer's query is still pending at its end
    expect(r.dns.unanswered + r.dns.pendingAtEnd).toBe(e.unanswered);
    expect(r.evictions['ip-defrag']).toBe(1); // the datagram that lost a fragment
  });

  it('without reassembly the same capture would show no answers: the counts come from it', async () => {
    const { packets } = reassemblyScenario();
    const unfragmentedOnly = packets.filter((p) => (p.ip.readUInt16BE(6) & 0x3fff) === 0 && p.ip[9] === 17);
    expect((await run(unfragmentedOnly)).dns.responses).toBe(0);
  });

  it('a lone later fragment, a garbage reassembled payload and TCP/53 junk are no crash and no DNS', async () => {
    const junk = [
      { ts: 1, ip: ipv4('10.0.0.1', '10.0.0.2', 17, Buffer.alloc(40, 0xff), { id: 9, mf: false, fragOffset: 1480 }) },
      { ts: 2, ip: ipv4('10.0.0.1', '10.0.0.2', 17, udp(53, 1234, Buffer.alloc(16, 0xc0)).subarray(0, 16), { id: 10, mf: true }) },
      { ts: 3, ip: ipv4('10.0.0.1', '10.0.0.2', 17, udp(53, 1234, Buffer.alloc(16, 0xc0)).subarray(16), { id: 10, mf: false, fragOffset: 16 }) },
      { ts: 4, ip: ipv4('10.0.0.1', '10.0.0.2', 6, tcp(53, 1234, 1, 1, PSH | ACK, { payload: Buffer.from([0xff, 0xff, 1, 2, 3]) })) },
      { ts: 5, ip: ipv4('10.0.0.1', '10.0.0.2', 6, tcp(53, 1234, 6, 1, PSH | ACK, { payload: framed(Buffer.alloc(5)) })) },
    ];
    const r = await run(junk);
    expect(r.packets).toBe(5);
    expect(r.dns.responses + r.dns.queries).toBe(0);
  });
});
