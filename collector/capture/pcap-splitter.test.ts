import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PcapRecordSplitter } from './pcap-splitter.js';

const header = (le: boolean) => {
  const h = Buffer.alloc(24);
  if (le) h.writeUInt32LE(0xa1b2c3d4, 0);
  else h.writeUInt32BE(0xa1b2c3d4, 0);
  return h;
};
const record = (le: boolean, data: Buffer) => {
  const r = Buffer.alloc(16);
  (le ? r.writeUInt32LE : r.writeUInt32BE).call(r, data.length, 8);
  (le ? r.writeUInt32LE : r.writeUInt32BE).call(r, data.length, 12);
  return Buffer.concat([r, data]);
};

describe('PcapRecordSplitter', () => {
  it('gives back the header and exactly the records, however the stream is cut', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }), fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 10 }), (le, datas, cuts) => {
        const recs = datas.map((d) => record(le, Buffer.from(d)));
        const stream = Buffer.concat([header(le), ...recs]);
        const s = new PcapRecordSplitter();
        const out: Buffer[] = [];
        for (let off = 0, i = 0; off < stream.length; i++) {
          const n = cuts[i % cuts.length]!;
          out.push(...s.push(stream.subarray(off, off + n)));
          off += n;
        }
        expect(s.header).toEqual(header(le));
        expect(out.map((b) => b.toString('hex'))).toEqual(recs.map((b) => b.toString('hex')));
        expect(s.leftover).toBe(0);
      }),
    );
  });
  it('bad input: a stream that is not pcap is an error, not silent garbage', () => {
    expect(() => new PcapRecordSplitter().push(Buffer.from('tcpdump: syntax error in filter expression\n'))).toThrow(/not a classic pcap stream/);
  });
  it('bad input: an absurd record length is an error', () => {
    const bad = Buffer.alloc(16);
    bad.writeUInt32LE(50_000_000, 8);
    expect(() => new PcapRecordSplitter().push(Buffer.concat([header(true), bad]))).toThrow(/corrupt/);
  });
});
