import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ether, ipv4, pcapFile, pcapHeader, pcapngFile, sll2, tcp, udp, dns, SYN } from '../../test/helpers/pcap-synth.js';
import { analyzePcap, PcapFormatError } from './analyze.js';
import { CaptureReader, readCapture } from './capture-reader.js';

const pkt = (i: number) => ether(ipv4('10.0.0.1', '10.0.0.2', 6, tcp(1000 + i, 80, i, 0, SYN)));
const recs = [0, 1, 2].map((i) => ({ ts: 1700000000 + i + 0.123456, data: pkt(i) }));

async function frames(buf: Buffer, chunk = 7) {
  const out: { lt: number; ts: number; len: number }[] = [];
  const chunks = Array.from({ length: Math.ceil(buf.length / chunk) }, (_, i) => buf.subarray(i * chunk, (i + 1) * chunk));
  const stats = await readCapture(Readable.from(chunks), (lt, ts, data) => out.push({ lt, ts, len: data.length }));
  return { out, stats };
}

describe('classic pcap', () => {
  for (const le of [true, false])
    for (const nano of [true, false])
      it(`${le ? 'little' : 'big'}-endian, ${nano ? 'nano' : 'micro'}seconds, fed in 7-byte chunks`, async () => {
        const { out, stats } = await frames(pcapFile(1, recs, { le, nano }));
        expect(stats).toMatchObject({ format: 'pcap', frames: 3, badRecords: 0 });
        expect(out.map((f) => f.lt)).toEqual([1, 1, 1]);
        expect(out[2]!.ts).toBeCloseTo(1700000002.123456, 5);
      });
  it('a truncated tail is counted, not fatal', async () => {
    const f = pcapFile(1, recs);
    const { out, stats } = await frames(f.subarray(0, f.length - 5));
    expect(out).toHaveLength(2);
    expect(stats.badRecords).toBe(1);
    expect(stats.fatal).toBeUndefined();
    expect(stats.truncatedBytes).toBeGreaterThan(0);
  });
  it('wrong magic is a clear format error', async () => {
    await expect(analyzePcap(Readable.from([Buffer.from('PK\x03\x04 definitely a zip file......')]))).rejects.toThrow(PcapFormatError);
    await expect(analyzePcap(Readable.from([Buffer.from('PK\x03\x04 definitely a zip file......')]))).rejects.toThrow(/magic 0x504b0304/);
    await expect(analyzePcap(Readable.from([]))).rejects.toThrow(/empty/);
  });
  it('absurd snaplen in the header is harmless; an absurd caplen stops reading with a warning', async () => {
    const hdr = pcapHeader(1, { snaplen: 0xffffffff });
    const bad = Buffer.alloc(16);
    bad.writeUInt32LE(0xfffffff0, 8);
    const f = Buffer.concat([hdr, pcapFile(1, recs).subarray(24), bad, Buffer.alloc(100)]);
    const r = await analyzePcap(Readable.from([f]));
    expect(r.packets).toBe(3);
    expect(r.undecodable).toBe(1);
    expect(r.warnings.join()).toMatch(/captured length 4294967280/);
  });
  it('zero-length and jumbo (64 KiB GRO) packets', async () => {
    const jumbo = ether(ipv4('10.0.0.1', '10.0.0.2', 6, tcp(1, 2, 3, 4, 0x10, { payload: Buffer.alloc(65000) }), { totalLen: 65535 }));
    const r = await analyzePcap(Readable.from([pcapFile(1, [{ ts: 1, data: Buffer.alloc(0) }, { ts: 2, data: jumbo }])]));
    expect(r).toMatchObject({ packets: 2, undecodable: 1 });
    expect(r.anomalies.map((a) => a.type)).toContain('mtu-over-jumbo');
  });
  it('unknown link types are counted as undecodable by name', async () => {
    const r = await analyzePcap(Readable.from([pcapFile(147, recs)]));
    expect(r).toMatchObject({ packets: 3, undecodable: 3, linkTypes: { LINKTYPE_147: 3 } });
  });
});

describe('pcapng', () => {
  it('SHB/IDB/EPB over two interfaces with different resolutions, options skipped', async () => {
    const q = sll2(ipv4('10.0.0.1', '10.0.0.2', 17, udp(1, 53, dns({ id: 1, name: 'x.' }))));
    const f = pcapngFile([1, 276], [{ ...recs[0]!, iface: 0 }, { ts: 1700000005.123456789, data: q, iface: 1 }]);
    for (const chunk of [1, 5, 4096]) {
      const { out, stats } = await frames(f, chunk);
      expect(stats).toMatchObject({ format: 'pcapng', frames: 2, badRecords: 0 });
      expect(out.map((o) => o.lt)).toEqual([1, 276]);
      expect(out[1]!.ts).toBeCloseTo(1700000005.123456789, 6);
    }
  });
  it('Simple Packet Blocks inherit the interface and the last timestamp', async () => {
    const { out } = await frames(pcapngFile([1], recs, { simple: true }));
    expect(out.map((o) => o.len)).toEqual(recs.map((r) => r.data.length));
  });
  it('an EPB for an undeclared interface is a bad record, the rest is read', async () => {
    const { out, stats } = await frames(pcapngFile([1], [recs[0]!, { ...recs[1]!, iface: 3 }, recs[2]!]));
    expect(out).toHaveLength(2);
    expect(stats.badRecords).toBe(1);
  });
  it('a block length that is not a multiple of 4 stops reading without throwing', () => {
    const f = pcapngFile([1], recs);
    f.writeUInt32LE(1001, f.readUInt32LE(4) + 4); // the IDB's length field, right after the SHB
    const r = new CaptureReader(() => {});
    r.push(f);
    expect(r.end().fatal?.kind).toBe('length');
  });
});
