import { Malformed, need } from './packet.js';

/** Link types we decode (LINKTYPE_* values of the pcap/pcapng specs). */
export const LINKTYPE_NAMES: Record<number, string> = {
  1: 'ETHERNET',
  101: 'RAW',
  113: 'LINUX_SLL',
  228: 'IPV4',
  229: 'IPV6',
  276: 'LINUX_SLL2',
};

const VLAN_TPIDS = new Set([0x8100, 0x88a8, 0x9100]);
const MAX_VLAN_TAGS = 4; // QinQ is 2; more is garbage, and the bound keeps the walk finite

export interface L3 {
  etherType: number;
  offset: number;
  vlans: number[];
}

/** Strips the link header; the returned etherType says what follows (0x0800 IPv4, 0x86dd IPv6). */
export function decodeLink(linkType: number, b: Buffer): L3 {
  const vlans: number[] = [];
  switch (linkType) {
    case 1: {
      need(b, 0, 14, 'ethernet');
      let type = b.readUInt16BE(12);
      let off = 14;
      while (VLAN_TPIDS.has(type)) {
        if (vlans.length >= MAX_VLAN_TAGS) throw new Malformed('vlan: too many tags');
        need(b, off, 4, 'vlan');
        vlans.push(b.readUInt16BE(off) & 0x0fff);
        type = b.readUInt16BE(off + 2);
        off += 4;
      }
      return { etherType: type, offset: off, vlans };
    }
    case 113: // Linux cooked v1: pkttype, arphrd, addrlen, 8 address bytes, protocol
      need(b, 0, 16, 'sll');
      return { etherType: b.readUInt16BE(14), offset: 16, vlans };
    case 276: // Linux cooked v2: protocol first, then reserved, ifindex, arphrd, pkttype, addrlen, address
      need(b, 0, 20, 'sll2');
      return { etherType: b.readUInt16BE(0), offset: 20, vlans };
    case 101: {
      need(b, 0, 1, 'raw');
      const v = b[0]! >> 4;
      if (v !== 4 && v !== 6) throw new Malformed(`raw: IP version ${v}`);
      return { etherType: v === 4 ? 0x0800 : 0x86dd, offset: 0, vlans };
    }
    case 228:
      return { etherType: 0x0800, offset: 0, vlans };
    case 229:
      return { etherType: 0x86dd, offset: 0, vlans };
    default:
      throw new Malformed(`unknown link type ${linkType}`);
  }
}
