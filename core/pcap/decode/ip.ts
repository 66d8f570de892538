import { type IpInfo, Malformed, need } from './packet.js';

export interface L3Result {
  ip: IpInfo;
  /** where the transport header starts and where the IP payload ends (within the captured bytes) */
  l4: number;
  end: number;
}

export const ipv4ToString = (n: number): string => `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;

export function ipv6ToString(b: Uint8Array, off: number): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((b[off + 2 * i]! << 8) | b[off + 2 * i + 1]!);
  // RFC 5952: compress the longest run (>= 2) of zero groups
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  const hex = (a: number[]) => a.map((x) => x.toString(16)).join(':');
  return best < 0 ? hex(g) : `${hex(g.slice(0, best))}::${hex(g.slice(best + bestLen))}`;
}

export function decodeIpv4(b: Buffer, off: number): L3Result {
  need(b, off, 20, 'ipv4');
  const vihl = b[off]!;
  if (vihl >> 4 !== 4) throw new Malformed('ipv4: version');
  const hl = (vihl & 15) * 4;
  if (hl < 20) throw new Malformed('ipv4: header length');
  need(b, off, hl, 'ipv4 options');
  const total = b.readUInt16BE(off + 2);
  if (total < hl) throw new Malformed('ipv4: total length');
  const frag = b.readUInt16BE(off + 6);
  const fragOffset = (frag & 0x1fff) * 8;
  const srcN = b.readUInt32BE(off + 12);
  const dstN = b.readUInt32BE(off + 16);
  return {
    ip: {
      v: 4,
      src: ipv4ToString(srcN),
      dst: ipv4ToString(dstN),
      srcN,
      dstN,
      proto: b[off + 9]!,
      ttl: b[off + 8]!,
      length: total,
      fragment: (frag & 0x2000) !== 0 || fragOffset > 0,
      laterFragment: fragOffset > 0,
      hasOptions: hl > 20,
    },
    l4: off + hl,
    // Ethernet pads short frames: the IP total length, not the frame, bounds the payload
    end: Math.min(off + total, b.length),
  };
}

const EXT_HEADERS = new Set([0, 43, 44, 51, 60, 135, 139, 140]);
const MAX_EXT_HEADERS = 8; // real stacks use a handful; the bound keeps a crafted chain from looping long

export function decodeIpv6(b: Buffer, off: number): L3Result {
  need(b, off, 40, 'ipv6');
  if (b[off]! >> 4 !== 6) throw new Malformed('ipv6: version');
  const payload = b.readUInt16BE(off + 4);
  let nh = b[off + 6]!;
  // payload length 0 means a jumbogram (hop-by-hop option): the captured bytes are all we know
  const end = payload === 0 ? b.length : Math.min(off + 40 + payload, b.length);
  let p = off + 40;
  let fragment = false;
  let laterFragment = false;
  let hasOptions = false;
  for (let n = 0; EXT_HEADERS.has(nh); n++) {
    if (n >= MAX_EXT_HEADERS) throw new Malformed('ipv6: extension header chain too long');
    need(b, p, 8, 'ipv6 extension header');
    if (p + 8 > end) throw new Malformed('ipv6: extension header past payload');
    const next = b[p]!;
    let len: number;
    if (nh === 44) {
      fragment = true;
      laterFragment = b.readUInt16BE(p + 2) >> 3 > 0;
      len = 8;
    } else {
      hasOptions = true;
      len = nh === 51 ? (b[p + 1]! + 2) * 4 : (b[p + 1]! + 1) * 8;
    }
    p += len;
    nh = next;
  }
  if (p > end) throw new Malformed('ipv6: extension headers overrun the payload');
  return {
    ip: {
      v: 6,
      src: ipv6ToString(b, off + 8),
      dst: ipv6ToString(b, off + 24),
      srcN: 0,
      dstN: 0,
      proto: nh,
      ttl: b[off + 7]!,
      length: payload + 40,
      fragment,
      laterFragment,
      hasOptions,
    },
    l4: p,
    end,
  };
}
