import type { OnFrame, ReaderStats } from './capture-reader.js';
import type { NgIface, NgState } from './pcap-classic.js';

/** Largest block we buffer: a 1 MiB frame plus generous room for options. */
const MAX_BLOCK = (1 << 20) + 65536;
const SHB = 0x0a0d0d0a;

/**
 * One pcapng block (SHB, IDB, EPB, SPB, obsolete PB; everything else skipped by its length).
 * Options are walked with bounds checks against the block body, so a bad option only loses itself.
 */
export function pcapngStep(st: NgState, buf: Buffer, off: number, stats: ReaderStats, onFrame: OnFrame): number {
  if (buf.length - off < 12) return -12;
  const type0 = buf.readUInt32BE(off);
  if (type0 === SHB) {
    // the byte-order magic decides the endianness of this whole section
    const bom = buf.readUInt32LE(off + 8);
    if (bom === 0x1a2b3c4d) st.le = true;
    else if (bom === 0x4d3c2b1a) st.le = false;
    else {
      stats.fatal = { kind: 'magic', message: `pcapng section header with a bad byte-order magic 0x${bom.toString(16)}` };
      return 0;
    }
    st.ifaces = [];
  }
  const u32 = (o: number) => (st.le ? buf.readUInt32LE(off + o) : buf.readUInt32BE(off + o));
  const u16 = (o: number) => (st.le ? buf.readUInt16LE(off + o) : buf.readUInt16BE(off + o));
  const type = u32(0);
  const len = u32(4);
  if (len < 12 || len % 4 !== 0 || len > MAX_BLOCK) {
    stats.badRecords++;
    stats.fatal = { kind: 'length', message: `pcapng block of type 0x${type.toString(16)} with invalid length ${len} (corrupt file?)` };
    return 0;
  }
  if (buf.length - off < len) return -len;
  if (u32(len - 4) !== len && stats.warnings.length < 20) stats.warnings.push(`pcapng block at frame ${stats.frames}: trailing length mismatch`);
  const body = off + 8;
  const bodyLen = len - 12;
  const frame = (iface: number, hi: number, lo: number, capLen: number, origLen: number, dataOff: number) => {
    const ifc = st.ifaces[iface];
    if (!ifc || capLen > bodyLen - (dataOff - body)) {
      stats.badRecords++;
      return;
    }
    const ts = (hi * 4294967296 + lo) / ifc.unitsPerSec + ifc.tsOffset;
    st.lastTs = ts;
    stats.frames++;
    onFrame(ifc.linkType, ts, buf.subarray(dataOff, dataOff + capLen), origLen);
  };
  switch (type) {
    case 1: // Interface Description Block
      if (bodyLen < 8) stats.badRecords++;
      else st.ifaces.push(readIdb(buf, body, bodyLen, u16, u32, st.le));
      break;
    case 6: // Enhanced Packet Block
      if (bodyLen < 20) stats.badRecords++;
      else frame(u32(8), u32(12), u32(16), u32(20), u32(24), body + 20);
      break;
    case 2: // obsolete Packet Block: 16-bit interface id and drop count
      if (bodyLen < 20) stats.badRecords++;
      else frame(u16(8), u32(12), u32(16), u32(20), u32(24), body + 20);
      break;
    case 3: {
      // Simple Packet Block: no interface id (always 0), no timestamp, captured length implied
      const ifc = st.ifaces[0];
      if (bodyLen < 4 || !ifc) {
        stats.badRecords++;
        break;
      }
      const origLen = u32(8);
      let cap = Math.min(origLen, bodyLen - 4);
      if (ifc.snaplen > 0) cap = Math.min(cap, ifc.snaplen);
      stats.frames++;
      onFrame(ifc.linkType, st.lastTs, buf.subarray(body + 4, body + 4 + cap), origLen);
      break;
    }
    default: // SHB (handled above), NRB, ISB, DSB, custom blocks: nothing we need
  }
  return len;
}

function readIdb(buf: Buffer, body: number, bodyLen: number, u16: (o: number) => number, u32: (o: number) => number, le: boolean): NgIface {
  const base = body - 8; // u16/u32 are relative to the block start
  const ifc: NgIface = { linkType: u16(8), snaplen: u32(12), unitsPerSec: 1e6, tsOffset: 0 };
  let p = body + 8;
  const end = body + bodyLen;
  // options: code(2) length(2) value padded to 4; stop at opt_endofopt or the body's end
  while (p + 4 <= end) {
    const code = u16(p - base);
    const olen = u16(p - base + 2);
    if (code === 0 || p + 4 + olen > end) break;
    if (code === 9 && olen >= 1) {
      const v = buf[p + 4]!;
      ifc.unitsPerSec = v & 0x80 ? 2 ** (v & 0x7f) : 10 ** Math.min(v, 30);
    } else if (code === 14 && olen === 8) {
      ifc.tsOffset = Number(le ? buf.readBigInt64LE(p + 4) : buf.readBigInt64BE(p + 4));
    }
    p += 4 + ((olen + 3) & ~3);
  }
  return ifc;
}
