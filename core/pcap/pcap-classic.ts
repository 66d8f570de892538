import type { OnFrame, ReaderStats } from './capture-reader.js';

export interface ClassicState {
  kind: 'pcap';
  le: boolean;
  nano: boolean;
  linkType: number;
  snaplen: number;
}
export interface NgIface {
  linkType: number;
  snaplen: number;
  unitsPerSec: number;
  tsOffset: number;
}
export interface NgState {
  kind: 'pcapng';
  le: boolean;
  ifaces: NgIface[];
  /** SPBs carry no timestamp: they inherit the last one seen */
  lastTs: number;
}
export type FormatState = ClassicState | NgState;

/** Largest frame we buffer: libpcap's maximum snaplen is 256 KiB; 1 MiB leaves room for GRO/TSO. */
export const MAX_RECORD = 1 << 20;

const MAGICS: Record<number, { le: boolean; nano: boolean }> = {
  0xa1b2c3d4: { le: false, nano: false },
  0xd4c3b2a1: { le: true, nano: false },
  0xa1b23c4d: { le: false, nano: true },
  0x4d3cb2a1: { le: true, nano: true },
};

/** Parses the 24-byte classic header; undefined (and a fatal) when the magic is not a pcap one. */
export function classicHeader(buf: Buffer, off: number, stats: ReaderStats): ClassicState | undefined {
  const magic = buf.readUInt32BE(off);
  const m = MAGICS[magic];
  if (!m) {
    stats.fatal = { kind: 'magic', message: `not a pcap or pcapng file (magic 0x${magic.toString(16).padStart(8, '0')})` };
    return undefined;
  }
  const u32 = (o: number) => (m.le ? buf.readUInt32LE(off + o) : buf.readUInt32BE(off + o));
  // the upper bits of the link-type field carry FCS information (pcap spec, LinkType field)
  return { kind: 'pcap', le: m.le, nano: m.nano, snaplen: u32(16), linkType: u32(20) & 0x03ffffff };
}

/** One 16-byte record header plus its data; >0 consumed, <0 bytes needed, 0 stop. */
export function classicStep(st: ClassicState, buf: Buffer, off: number, stats: ReaderStats, onFrame: OnFrame): number {
  if (buf.length - off < 16) return -16;
  const u32 = (o: number) => (st.le ? buf.readUInt32LE(off + o) : buf.readUInt32BE(off + o));
  const incl = u32(8);
  if (incl > MAX_RECORD) {
    // a garbage length means we lost the record boundaries: nothing after it can be trusted
    stats.badRecords++;
    stats.fatal = { kind: 'length', message: `record ${stats.frames + 1}: captured length ${incl} exceeds ${MAX_RECORD} bytes (corrupt file?)` };
    return 0;
  }
  if (buf.length - off < 16 + incl) return -(16 + incl);
  const ts = u32(0) + u32(4) / (st.nano ? 1e9 : 1e6);
  stats.frames++;
  onFrame(st.linkType, ts, buf.subarray(off + 16, off + 16 + incl), u32(12));
  return 16 + incl;
}
