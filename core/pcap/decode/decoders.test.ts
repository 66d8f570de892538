import { describe, expect, it } from 'vitest';
import { ACK, dns, encodeName, ether, icmp4, ipv4, ipv6, sll, sll2, SYN, tcp, udp } from '../../../test/helpers/pcap-synth.js';
import { decodeFrame } from './decode.js';
import { decodeDns } from './dns.js';

const dnsQ = dns({ id: 7, name: 'kubernetes.default.svc.cluster.local.' });
const l3 = ipv4('10.0.0.1', '10.0.0.2', 17, udp(40000, 53, dnsQ));

describe('link layers', () => {
  it('Ethernet, 802.1Q and QinQ', () => {
    expect(decodeFrame(1, 0, ether(l3), 0).packet.ip?.src).toBe('10.0.0.1');
    const q = Buffer.concat([ether(Buffer.alloc(0), 0x88a8).subarray(0, 12), Buffer.from([0x88, 0xa8, 0, 100, 0x81, 0, 0, 200, 8, 0]), l3]);
    const d = decodeFrame(1, 0, q, 0);
    expect(d.packet.vlans).toEqual([100, 200]);
    expect(d.packet.dns?.name).toBe('kubernetes.default.svc.cluster.local.');
  });
  it('Linux cooked v1 and v2, raw IPv4/IPv6', () => {
    for (const [lt, f] of [[113, sll(l3)], [276, sll2(l3)], [101, l3], [228, l3]] as const) expect(decodeFrame(lt, 0, f, 0).packet.udp?.dstPort).toBe(53);
    const v6 = ipv6('fd00::1', 'fd00::2', 17, udp(1, 53, dnsQ));
    expect(decodeFrame(229, 0, v6, 0).packet.ip).toMatchObject({ v: 6, src: 'fd00::1', dst: 'fd00::2' });
  });
  it('an unknown link type is undecodable, not an exception', () => {
    expect(decodeFrame(147, 0, l3, 0).error).toMatch(/unknown link type 147/);
  });
  it('non-IP ethertypes decode without an IP layer and without error', () => {
    const d = decodeFrame(1, 0, ether(Buffer.alloc(28), 0x0806), 0);
    expect(d.error).toBeUndefined();
    expect(d.packet.ip).toBeUndefined();
  });
});

describe('IPv4', () => {
  it('options and fragments', () => {
    const p = ipv4('1.2.3.4', '5.6.7.8', 6, tcp(1, 2, 3, 4, SYN), { options: Buffer.from([1, 1, 1, 0]) });
    expect(decodeFrame(228, 0, p, 0).packet.ip).toMatchObject({ hasOptions: true, fragment: false, proto: 6 });
    const first = decodeFrame(228, 0, ipv4('1.2.3.4', '5.6.7.8', 17, udp(1, 53, dnsQ), { mf: true }), 0).packet;
    expect(first.ip).toMatchObject({ fragment: true, laterFragment: false });
    expect(first.dns).toBeUndefined(); // a fragment's DNS payload is incomplete: not decoded
    const later = decodeFrame(228, 0, ipv4('1.2.3.4', '5.6.7.8', 17, Buffer.alloc(40), { fragOffset: 1480 }), 0).packet;
    expect(later.ip).toMatchObject({ fragment: true, laterFragment: true });
    expect(later.udp).toBeUndefined();
  });
  it('Ethernet padding beyond the IP total length is ignored', () => {
    const p = ipv4('1.1.1.1', '2.2.2.2', 6, tcp(1, 2, 0, 0, ACK));
    expect(decodeFrame(1, 0, Buffer.concat([ether(p), Buffer.alloc(6)]), 0).packet.tcp?.payloadLen).toBe(0);
  });
  it('a header length below 20 is malformed', () => {
    const p = ipv4('1.1.1.1', '2.2.2.2', 6, Buffer.alloc(20));
    p[0] = 0x44;
    expect(decodeFrame(228, 0, p, 0).error).toMatch(/header length/);
  });
});

describe('IPv6 extension header chains', () => {
  it('walks hop-by-hop, destination options and fragment headers', () => {
    const pad = Buffer.from([1, 4, 0, 0, 0, 0]);
    const p = ipv6('2001:db8::1', '2001:db8::2', 6, tcp(1, 443, 1, 0, SYN), [[0, pad], [60, pad], [44, Buffer.from([0, 0, 0, 0, 0, 1])]]);
    const d = decodeFrame(229, 0, p, 0);
    expect(d.packet.ip).toMatchObject({ proto: 6, fragment: true, laterFragment: false, hasOptions: true });
    expect(d.packet.tcp?.dstPort).toBe(443);
  });
  it('a chain longer than the bound is malformed, and a chain past the payload too', () => {
    const pad = Buffer.from([1, 4, 0, 0, 0, 0]);
    const long = ipv6('::1', '::2', 59, Buffer.alloc(0), Array.from({ length: 9 }, () => [60, pad] as [number, Buffer]));
    expect(decodeFrame(229, 0, long, 0).error).toMatch(/too long/);
    const cut = ipv6('::1', '::2', 6, Buffer.alloc(0), [[60, pad]]);
    cut[41] = 0xff; // the destination-options header claims 2 KiB
    expect(decodeFrame(229, 0, cut, 0).error).toMatch(/overrun|past/);
  });
});

describe('TCP, UDP, ICMP', () => {
  it('TCP flags, seq/ack, window, options and payload length', () => {
    const opts = Buffer.from([2, 4, 0x23, 0x28, 4, 2, 1, 3, 3, 7]);
    const seg = tcp(50000, 443, 0xfffffff0, 77, SYN | ACK, { window: 1234, options: Buffer.concat([opts, Buffer.from([0, 0])]), payload: Buffer.alloc(10) });
    expect(decodeFrame(228, 0, ipv4('1.1.1.1', '2.2.2.2', 6, seg), 0).packet.tcp).toEqual({
      srcPort: 50000, dstPort: 443, seq: 0xfffffff0, ack: 77, flags: SYN | ACK, window: 1234, payloadLen: 10, mss: 9000, sackPermitted: true, wscale: 7,
    });
  });
  it('a TCP data offset past the segment is malformed', () => {
    const seg = tcp(1, 2, 3, 4, ACK);
    seg[12] = 0xf0;
    expect(decodeFrame(228, 0, ipv4('1.1.1.1', '2.2.2.2', 6, seg), 0).error).toMatch(/tcp/);
  });
  it('ICMP frag-needed carries the next-hop MTU and the quoted flow', () => {
    const orig = ipv4('10.0.0.5', '192.0.2.9', 6, tcp(40000, 443, 1, 1, ACK, { payload: Buffer.alloc(1460) }));
    const d = decodeFrame(228, 0, ipv4('10.0.0.1', '10.0.0.5', 1, icmp4(3, 4, 1400, orig.subarray(0, 28))), 0);
    expect(d.packet.icmp).toEqual({ v: 4, type: 3, code: 4, mtu: 1400, inner: { src: '10.0.0.5', dst: '192.0.2.9', proto: 6, srcPort: 40000, dstPort: 443 } });
  });
  it('ICMPv6 packet-too-big', () => {
    const m = Buffer.alloc(8);
    m[0] = 2;
    m.writeUInt32BE(1280, 4);
    expect(decodeFrame(229, 0, ipv6('fe80::1', 'fe80::2', 58, m), 0).packet.icmp).toMatchObject({ v: 6, type: 2, mtu: 1280 });
  });
  it('UDP length below 8 is malformed', () => {
    const u = udp(1, 2, Buffer.alloc(0));
    u.writeUInt16BE(4, 4);
    expect(decodeFrame(228, 0, ipv4('1.1.1.1', '2.2.2.2', 17, u), 0).error).toMatch(/udp/);
  });
});

describe('DNS', () => {
  it('header, rcode, answer count and a compressed question name', () => {
    const r = dns({ id: 9, response: true, rcode: 3, name: 'a.b.', answers: 2 });
    expect(decodeDns(r, 0, r.length)).toEqual({ id: 9, response: true, opcode: 0, rcode: 3, qdcount: 1, ancount: 2, name: 'a.b.', qtype: 1 });
    // question "www" + pointer to "example.com" placed after the header... via a second name
    const base = Buffer.alloc(12);
    base.writeUInt16BE(1, 4);
    const tail = encodeName('example.com.');
    const q = Buffer.concat([base, Buffer.from([3, 0x77, 0x77, 0x77, 0xc0, 12 + 10]), Buffer.from([0, 1, 0, 1]), tail]);
    expect(decodeDns(q, 0, q.length).name).toBe('www.example.com.');
  });
  it('a compression loop is malformed, not a hang', () => {
    const m = Buffer.concat([Buffer.from([0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]), Buffer.from([0xc0, 12, 0, 1, 0, 1])]);
    expect(() => decodeDns(m, 0, m.length)).toThrow(/compression loop/);
    const viaFrame = decodeFrame(228, 0, ipv4('1.1.1.1', '2.2.2.2', 17, udp(1, 53, m)), 0);
    expect(viaFrame.error).toMatch(/compression loop/);
    expect(viaFrame.packet.udp).toBeDefined();
  });
  it('a label past the end of the message is malformed', () => {
    const m = Buffer.concat([Buffer.from([0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]), Buffer.from([40, 0x61, 0x62])]);
    expect(() => decodeDns(m, 0, m.length)).toThrow(/label past the end/);
    const ptr = Buffer.concat([Buffer.from([0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]), Buffer.from([0xc0, 200])]);
    expect(() => decodeDns(ptr, 0, ptr.length)).toThrow(/past the message/);
  });
});
