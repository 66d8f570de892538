import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ACK, ether, ipv4, pcapFile, PSH, tcp } from '../../../test/helpers/pcap-synth.js';
import { analyzePcap } from '../analyze.js';

const T = 1_700_000_000;
const data = Buffer.alloc(100, 0x61);
/** One data segment of 10.0.1.10:<sport> > 10.0.2.20:443 with sequence number 1001. */
const seg = (sport: number, dt: number) => ({ ts: T + dt, data: ether(ipv4('10.0.1.10', '10.0.2.20', 6, tcp(sport, 443, 1001, 5001, PSH | ACK, { payload: data }))) });
const retransmissions = async (recs: { ts: number; data: Buffer }[]) => (await analyzePcap(Readable.from([pcapFile(1, recs)]))).tcp.retransmissions;

describe('retransmissions are counted per 5-tuple (DESIGN.md §11)', () => {
  it('two flows that differ only by source port, with the same seq and payload length, have no retransmission', async () => {
    expect(await retransmissions([seg(50001, 0), seg(50002, 0.001)])).toBe(0);
  });

  it('the same segment again on the same flow is one retransmission', async () => {
    expect(await retransmissions([seg(50001, 0), seg(50001, 0.3)])).toBe(1);
  });
});
