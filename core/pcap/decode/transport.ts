import { decodeIpv4, decodeIpv6 } from './ip.js';
import { type IcmpInfo, Malformed, need, type TcpInfo, type UdpInfo } from './packet.js';

export function decodeTcp(b: Buffer, off: number, end: number): TcpInfo {
  need(b, off, 20, 'tcp');
  if (off + 20 > end) throw new Malformed('tcp: past IP payload');
  const hl = (b[off + 12]! >> 4) * 4;
  if (hl < 20 || off + hl > end) throw new Malformed('tcp: header length');
  const t: TcpInfo = {
    srcPort: b.readUInt16BE(off),
    dstPort: b.readUInt16BE(off + 2),
    seq: b.readUInt32BE(off + 4),
    ack: b.readUInt32BE(off + 8),
    flags: b[off + 13]!,
    window: b.readUInt16BE(off + 14),
    payloadLen: end - off - hl,
  };
  // options: kind, length, value; every step advances, so the walk ends within the header
  for (let p = off + 20; p < off + hl; ) {
    const kind = b[p]!;
    if (kind === 0) break;
    if (kind === 1) {
      p++;
      continue;
    }
    const len = b[p + 1];
    if (len === undefined || len < 2 || p + len > off + hl) break;
    if (kind === 2 && len === 4) t.mss = b.readUInt16BE(p + 2);
    else if (kind === 3 && len === 3) t.wscale = b[p + 2]!;
    else if (kind === 4) t.sackPermitted = true;
    p += len;
  }
  return t;
}

export function decodeUdp(b: Buffer, off: number, end: number): UdpInfo {
  need(b, off, 8, 'udp');
  if (off + 8 > end) throw new Malformed('udp: past IP payload');
  const len = b.readUInt16BE(off + 4);
  if (len < 8) throw new Malformed('udp: length');
  return { srcPort: b.readUInt16BE(off), dstPort: b.readUInt16BE(off + 2), payloadLen: Math.min(len, end - off) - 8 };
}

/** ICMP (v4) and ICMPv6; errors quote the offending packet, whose addresses and ports we keep. */
export function decodeIcmp(b: Buffer, off: number, end: number, v: 4 | 6): IcmpInfo {
  need(b, off, 8, 'icmp');
  if (off + 8 > end) throw new Malformed('icmp: past IP payload');
  const i: IcmpInfo = { v, type: b[off]!, code: b[off + 1]! };
  const isError = v === 4 ? [3, 4, 5, 11, 12].includes(i.type) : i.type >= 1 && i.type <= 4;
  if (v === 4 && i.type === 3 && i.code === 4) i.mtu = b.readUInt16BE(off + 6);
  if (v === 6 && i.type === 2) i.mtu = b.readUInt32BE(off + 4);
  if (isError) {
    // the quote is best effort: a short or odd quote leaves `inner` unset, the ICMP itself is fine
    try {
      const q = b.subarray(0, end);
      const r = v === 4 ? decodeIpv4(q, off + 8) : decodeIpv6(q, off + 8);
      i.inner = { src: r.ip.src, dst: r.ip.dst, proto: r.ip.proto };
      if ((r.ip.proto === 6 || r.ip.proto === 17) && r.l4 + 4 <= q.length) {
        i.inner.srcPort = q.readUInt16BE(r.l4);
        i.inner.dstPort = q.readUInt16BE(r.l4 + 2);
      }
    } catch {
      /* no usable quote */
    }
  }
  return i;
}
