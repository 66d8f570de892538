import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TcpInfo } from './decode/packet.js';
import { Ipv4Defrag, TcpDnsStreams } from './reassembly.js';
import { defaultThresholds } from './thresholds.js';

/**
 * The reassemblers hold state across hostile packets, so beyond "random input never throws" they must
 * stay within their caps on any input, and put back together what a sender split, in any order
 * (fragments) or with any retransmission and sequence wrap (TCP/53).
 */
const T = defaultThresholds().reassembly;
/** small caps, so random input reaches the eviction paths */
const SMALL = { ...T, maxDatagrams: 4, maxFragmentBytes: 4096, maxTcpDnsFlows: 3, maxTcpDnsBytes: 2048 };
const bytes = (max: number) => fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a));
const SYN = 0x02, FIN = 0x01, RST = 0x04, ACK = 0x10;
const info = (seq: number, flags: number, len: number): TcpInfo => ({ srcPort: 41000, dstPort: 53, seq, ack: 0, flags, window: 65535, payloadLen: len });

describe('Ipv4Defrag on random fragments', () => {
  it('never throws, returns at most a 64 KiB payload, and keeps within maxDatagrams', () => {
    const frag = fc.record({ key: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), dt: fc.double({ min: 0, max: 40, noNaN: true }), off: fc.nat(70_000), more: fc.boolean(), data: bytes(1500) });
    fc.assert(
      fc.property(fc.constantFrom(T, SMALL), fc.array(frag, { maxLength: 200 }), (caps, frags) => {
        const d = new Ipv4Defrag(caps);
        let ts = 0;
        for (const f of frags) {
          ts += f.dt;
          const whole = d.add(f.key, ts, f.off, f.more, f.data);
          if (whole) expect(whole.length).toBeLessThanOrEqual(65_515);
          expect(d.pending).toBeLessThanOrEqual(caps.maxDatagrams);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('a datagram cut into fragments, sent in any order with duplicates, comes back whole and once', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 9000 }).map((a) => Buffer.from(a)),
        fc.array(fc.nat(9000), { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        (payload, rawCuts, order) => {
          const cuts = [...new Set(rawCuts.map((c) => c % payload.length).filter((c) => c > 0))].sort((a, b) => a - b);
          const edges = [0, ...cuts, payload.length];
          const frags = edges.slice(0, -1).map((off, i) => ({ off, end: edges[i + 1]! }));
          // a shuffle driven by `order`; some fragments sent again before the last one (after it the key would start a new datagram)
          const sent = [...frags];
          for (let i = sent.length - 1; i > 0; i--) {
            const j = (order[i % Math.max(order.length, 1)] ?? 0) % (i + 1);
            [sent[i], sent[j]] = [sent[j]!, sent[i]!];
          }
          const dup = sent.slice(0, -1).filter((_, i) => (order[i] ?? 1) % 3 === 0);
          const d = new Ipv4Defrag(T);
          const out: Buffer[] = [];
          for (const f of [...sent.slice(0, -1), ...dup, sent[sent.length - 1]!]) {
            const whole = d.add('k', 0, f.off, f.end < payload.length, payload.subarray(f.off, f.end));
            if (whole) out.push(whole);
          }
          expect(out).toHaveLength(1);
          expect(out[0]!.equals(payload)).toBe(true);
          expect(d.pending).toBe(0);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('TcpDnsStreams on random segments', () => {
  it('never throws, and every message it returns is 1..65535 bytes', () => {
    const seg = fc.record({
      key: fc.constantFrom('a|1|b|53', 'b|53|a|1', 'c|2|b|53', 'd|3|b|53', 'e|4|b|53'),
      seq: fc.oneof(fc.nat(0xffffffff), fc.nat(4000)),
      flags: fc.constantFrom(ACK, ACK, ACK, SYN, FIN | ACK, RST, RST | ACK, SYN | ACK),
      payload: bytes(1500),
    });
    fc.assert(
      fc.property(fc.constantFrom(T, SMALL), fc.array(seg, { maxLength: 200 }), (caps, segs) => {
        const s = new TcpDnsStreams(caps);
        let n = 0;
        for (const x of segs) {
          for (const m of s.segment(x.key, info(x.seq, x.flags, x.payload.length), x.payload)) {
            n++;
            expect(m.length).toBeGreaterThan(0);
            expect(m.length).toBeLessThanOrEqual(65_535);
          }
        }
        expect(s.messages).toBe(n);
      }),
      { numRuns: 1000 },
    );
  });

  it('length-prefixed messages cut at any points, across a sequence wrap and with retransmissions, come out as sent', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 700 }).map((a) => Buffer.from(a)), { minLength: 1, maxLength: 8 }),
        fc.oneof(fc.nat(0xffffffff), fc.constant(0xffffffff - 50)),
        fc.array(fc.nat(), { maxLength: 20 }),
        fc.array(fc.boolean(), { maxLength: 40 }),
        (msgs, isn, rawCuts, again) => {
          const stream = Buffer.concat(msgs.map((m) => Buffer.concat([Buffer.from([m.length >> 8, m.length & 255]), m])));
          const cuts = [...new Set(rawCuts.map((c) => c % stream.length).filter((c) => c > 0))].sort((a, b) => a - b);
          const edges = [0, ...cuts, stream.length];
          const s = new TcpDnsStreams(T);
          const key = 'a|1|b|53';
          s.segment(key, info(isn, SYN, 0), Buffer.alloc(0));
          const out: Buffer[] = [];
          const send = (from: number, to: number) => out.push(...s.segment(key, info((isn + 1 + from) >>> 0, ACK, to - from), stream.subarray(from, to)));
          for (let i = 0; i + 1 < edges.length; i++) {
            // with `again` the segment also carries the previous one's bytes (repacketised retransmission: old and new data)
            send(again[i] ? edges[Math.max(0, i - 1)]! : edges[i]!, edges[i + 1]!);
            // and every other time a pure retransmission of everything so far
            if (again[i] && i % 2) send(0, edges[i + 1]!);
          }
          expect(out.map((m) => m.toString('hex'))).toEqual(msgs.map((m) => m.toString('hex')));
          expect(s.dropped).toBe(0);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
