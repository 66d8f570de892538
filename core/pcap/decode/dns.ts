import { type DnsInfo, Malformed, need } from './packet.js';

const MAX_NAME = 255; // RFC 1035 2.3.4
const MAX_JUMPS = 32; // a name can't legitimately need more pointers than it has labels

/** DNS header and first question of a message in b[off, end). */
export function decodeDns(b: Buffer, off: number, end: number): DnsInfo {
  need(b, off, 12, 'dns');
  if (off + 12 > end) throw new Malformed('dns: shorter than a header');
  const flags = b.readUInt16BE(off + 2);
  const d: DnsInfo = {
    id: b.readUInt16BE(off),
    response: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 15,
    rcode: flags & 15,
    qdcount: b.readUInt16BE(off + 4),
    ancount: b.readUInt16BE(off + 6),
  };
  if (d.qdcount > 0) {
    const { name, next } = readName(b, off, off + 12, end);
    if (next + 4 > end) throw new Malformed('dns: question truncated');
    d.name = name;
    d.qtype = b.readUInt16BE(next);
  }
  return d;
}

/**
 * A possibly compressed name starting at `p`; pointers are offsets from the message start `msg`.
 * Loop-safe (a jump budget) and bounds-checked (every read is inside [msg, end)).
 */
export function readName(b: Buffer, msg: number, p: number, end: number): { name: string; next: number } {
  const labels: string[] = [];
  let total = 0;
  let jumps = 0;
  let next = -1; // where the name ends in the original position (after the first pointer)
  for (;;) {
    if (p >= end) throw new Malformed('dns: name runs past the message');
    const len = b[p]!;
    if (len === 0) {
      if (next < 0) next = p + 1;
      break;
    }
    const kind = len & 0xc0;
    if (kind === 0xc0) {
      if (p + 1 >= end) throw new Malformed('dns: pointer truncated');
      if (++jumps > MAX_JUMPS) throw new Malformed('dns: compression loop');
      if (next < 0) next = p + 2;
      p = msg + (((len & 0x3f) << 8) | b[p + 1]!);
      continue;
    }
    if (kind !== 0) throw new Malformed('dns: reserved label type');
    if (p + 1 + len > end) throw new Malformed('dns: label past the end');
    total += len + 1;
    if (total > MAX_NAME) throw new Malformed('dns: name too long');
    labels.push(b.toString('latin1', p + 1, p + 1 + len).toLowerCase());
    p += 1 + len;
  }
  return { name: labels.length ? `${labels.join('.')}.` : '.', next };
}
