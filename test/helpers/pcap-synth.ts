/**
 * Builds packets and capture files byte by byte, for tests and the benchmark: known content without
 * a network. Checksums are left 0 (tshark does not verify them by default, nor do we).
 */
export const ip4 = (s: string): Buffer => Buffer.from(s.split('.').map(Number));
export const FIN = 1, SYN = 2, RST = 4, PSH = 8, ACK = 16;

export function ipv4(src: string, dst: string, proto: number, payload: Buffer, o: { id?: number; mf?: boolean; fragOffset?: number; options?: Buffer; ttl?: number; totalLen?: number } = {}): Buffer {
  const opt = o.options ?? Buffer.alloc(0);
  const h = Buffer.alloc(20 + opt.length);
  h[0] = 0x40 | ((20 + opt.length) / 4);
  h.writeUInt16BE(o.totalLen ?? h.length + payload.length, 2);
  h.writeUInt16BE(o.id ?? 1, 4);
  h.writeUInt16BE((o.mf ? 0x2000 : 0) | ((o.fragOffset ?? 0) / 8), 6);
  h[8] = o.ttl ?? 64;
  h[9] = proto;
  ip4(src).copy(h, 12);
  ip4(dst).copy(h, 16);
  opt.copy(h, 20);
  let sum = 0;
  for (let i = 0; i < h.length; i += 2) sum += h.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  h.writeUInt16BE(~sum & 0xffff, 10);
  return Buffer.concat([h, payload]);
}

const ip6 = (s: string): Buffer => {
  const [a = '', b = ''] = s.split('::');
  const pa = a ? a.split(':') : [];
  const pb = b ? b.split(':') : [];
  const groups = s.includes('::') ? [...pa, ...Array(8 - pa.length - pb.length).fill('0'), ...pb] : pa;
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
};

/** `ext`: extension headers as [type, body] (body padded to 8-byte multiples by the caller). */
export function ipv6(src: string, dst: string, nh: number, payload: Buffer, ext: [number, Buffer][] = []): Buffer {
  const parts: Buffer[] = [];
  let first = nh;
  for (let i = ext.length - 1; i >= 0; i--) {
    const [type, body] = ext[i]!;
    const h = Buffer.concat([Buffer.from([first, type === 44 ? 0 : (body.length + 2) / 8 - 1]), body]);
    parts.unshift(h);
    first = type;
  }
  const rest = Buffer.concat([...parts, payload]);
  const h = Buffer.alloc(40);
  h[0] = 0x60;
  h.writeUInt16BE(rest.length, 4);
  h[6] = first;
  h[7] = 64;
  ip6(src).copy(h, 8);
  ip6(dst).copy(h, 24);
  return Buffer.concat([h, rest]);
}

export function tcp(sp: number, dp: number, seq: number, ack: number, flags: number, o: { window?: number; payload?: Buffer; options?: Buffer } = {}): Buffer {
  const opt = o.options ?? Buffer.alloc(0);
  const h = Buffer.alloc(20 + opt.length);
  h.writeUInt16BE(sp, 0);
  h.writeUInt16BE(dp, 2);
  h.writeUInt32BE(seq >>> 0, 4);
  h.writeUInt32BE(ack >>> 0, 8);
  h[12] = ((20 + opt.length) / 4) << 4;
  h[13] = flags;
  h.writeUInt16BE(o.window ?? 65535, 14);
  opt.copy(h, 20);
  return Buffer.concat([h, o.payload ?? Buffer.alloc(0)]);
}

export function udp(sp: number, dp: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(sp, 0);
  h.writeUInt16BE(dp, 2);
  h.writeUInt16BE(8 + payload.length, 4);
  return Buffer.concat([h, payload]);
}

export function icmp4(type: number, code: number, rest: number, quoted: Buffer = Buffer.alloc(0)): Buffer {
  const h = Buffer.alloc(8);
  h[0] = type;
  h[1] = code;
  h.writeUInt32BE(rest >>> 0, 4);
  return Buffer.concat([h, quoted]);
}

export function encodeName(name: string): Buffer {
  const labels = name.replace(/\.$/, '').split('.').filter(Boolean);
  return Buffer.concat([...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'latin1')])), Buffer.from([0])]);
}

/** A DNS message with one question (type A) and `answers` A records pointing back at it. */
export function dns(o: { id: number; response?: boolean; rcode?: number; name: string; answers?: number; qtype?: number }): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(o.id, 0);
  h.writeUInt16BE((o.response ? 0x8180 : 0x0100) | (o.rcode ?? 0), 2);
  h.writeUInt16BE(1, 4);
  h.writeUInt16BE(o.answers ?? 0, 6);
  const q = Buffer.concat([encodeName(o.name), Buffer.from([0, o.qtype ?? 1, 0, 1])]);
  const ans = Array.from({ length: o.answers ?? 0 }, (_, i) => Buffer.from([0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 30, 0, 4, 10, 0, 0, i + 1]));
  return Buffer.concat([h, q, ...ans]);
}

export const ether = (l3: Buffer, type = 0x0800, vlans: number[] = []): Buffer =>
  Buffer.concat([Buffer.from([2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2]), ...vlans.map((v) => Buffer.from([0x81, 0x00, v >> 8, v & 255])), Buffer.from([type >> 8, type & 255]), l3]);

export function sll2(l3: Buffer, type = 0x0800, ifindex = 2): Buffer {
  const h = Buffer.alloc(20);
  h.writeUInt16BE(type, 0);
  h.writeUInt32BE(ifindex, 4);
  h.writeUInt16BE(1, 8); // ARPHRD_ETHER
  h[10] = 0; // PACKET_HOST
  h[11] = 6;
  return Buffer.concat([h, l3]);
}

export function sll(l3: Buffer, type = 0x0800): Buffer {
  const h = Buffer.alloc(16);
  h.writeUInt16BE(1, 2);
  h.writeUInt16BE(6, 4);
  h.writeUInt16BE(type, 14);
  return Buffer.concat([h, l3]);
}

export interface Rec {
  ts: number;
  data: Buffer;
  origLen?: number;
  iface?: number;
}

export function pcapHeader(linkType: number, o: { nano?: boolean; le?: boolean; snaplen?: number } = {}): Buffer {
  const h = Buffer.alloc(24);
  const le = o.le ?? true;
  const w32 = (v: number, off: number) => (le ? h.writeUInt32LE(v >>> 0, off) : h.writeUInt32BE(v >>> 0, off));
  const w16 = (v: number, off: number) => (le ? h.writeUInt16LE(v, off) : h.writeUInt16BE(v, off));
  w32(o.nano ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  w16(2, 4);
  w16(4, 6);
  w32(o.snaplen ?? 262144, 16);
  w32(linkType, 20);
  return h;
}

export function pcapRecord(r: Rec, o: { nano?: boolean; le?: boolean } = {}): Buffer {
  const h = Buffer.alloc(16);
  const le = o.le ?? true;
  const w32 = (v: number, off: number) => (le ? h.writeUInt32LE(v >>> 0, off) : h.writeUInt32BE(v >>> 0, off));
  const sec = Math.floor(r.ts);
  const frac = Math.round((r.ts - sec) * (o.nano ? 1e9 : 1e6));
  w32(sec, 0);
  w32(frac, 4);
  w32(r.data.length, 8);
  w32(r.origLen ?? r.data.length, 12);
  return Buffer.concat([h, r.data]);
}

export const pcapFile = (linkType: number, recs: Rec[], o: { nano?: boolean; le?: boolean } = {}): Buffer =>
  Buffer.concat([pcapHeader(linkType, o), ...recs.map((r) => pcapRecord(r, o))]);

function block(type: number, body: Buffer): Buffer {
  const pad = Buffer.alloc((4 - (body.length % 4)) % 4);
  const len = 12 + body.length + pad.length;
  const h = Buffer.alloc(8);
  h.writeUInt32LE(type, 0);
  h.writeUInt32LE(len, 4);
  const t = Buffer.alloc(4);
  t.writeUInt32LE(len, 0);
  return Buffer.concat([h, body, pad, t]);
}

/** Little-endian pcapng: SHB, one IDB per link type (with options, tsresol 9 = ns on the second+), EPBs, and SPBs when `simple`. */
export function pcapngFile(linkTypes: number[], recs: Rec[], o: { simple?: boolean } = {}): Buffer {
  const shb = Buffer.alloc(16);
  shb.writeUInt32LE(0x1a2b3c4d, 0);
  shb.writeUInt16LE(1, 4);
  shb.writeBigInt64LE(-1n, 8);
  const out = [block(0x0a0d0d0a, Buffer.concat([shb, Buffer.from([1, 0, 5, 0, 104, 101, 108, 108, 111, 0, 0, 0, 0, 0, 0, 0])]))];
  linkTypes.forEach((lt, i) => {
    const b = Buffer.alloc(8);
    b.writeUInt16LE(lt, 0);
    b.writeUInt32LE(262144, 4);
    // if_name option (skipped), if_tsresol on interfaces after the first (nanoseconds), end of options
    const opts = Buffer.from([2, 0, 3, 0, 0x65, 0x74, 0x68, 0, ...(i > 0 ? [9, 0, 1, 0, 9, 0, 0, 0] : []), 0, 0, 0, 0]);
    out.push(block(1, Buffer.concat([b, opts])));
  });
  for (const r of recs) {
    const iface = r.iface ?? 0;
    if (o.simple && iface === 0) {
      const b = Buffer.alloc(4);
      b.writeUInt32LE(r.origLen ?? r.data.length, 0);
      out.push(block(3, Buffer.concat([b, r.data])));
      continue;
    }
    const units = BigInt(Math.round(r.ts * (iface > 0 ? 1e9 : 1e6)));
    const b = Buffer.alloc(20);
    b.writeUInt32LE(iface, 0);
    b.writeUInt32LE(Number(units >> 32n), 4);
    b.writeUInt32LE(Number(units & 0xffffffffn), 8);
    b.writeUInt32LE(r.data.length, 12);
    b.writeUInt32LE(r.origLen ?? r.data.length, 16);
    const pad = Buffer.alloc((4 - (r.data.length % 4)) % 4);
    out.push(block(6, Buffer.concat([b, r.data, pad, Buffer.from([1, 0, 4, 0, 0x61, 0x62, 0x63, 0x64, 0, 0, 0, 0])])));
  }
  return Buffer.concat(out);
}
