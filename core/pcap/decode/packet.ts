/** The decoded view of one frame that analysis modules consume (plain data, no buffers retained). */
export interface IpInfo {
  v: 4 | 6;
  src: string;
  dst: string;
  /** IPv4 addresses as unsigned 32-bit numbers (CIDR checks without re-parsing); 0 for IPv6 */
  srcN: number;
  dstN: number;
  /** transport protocol after any IPv6 extension headers */
  proto: number;
  ttl: number;
  /** IP packet length as the header states it (what MTU limits apply to) */
  length: number;
  /** part of a fragmented datagram (IPv4 MF/offset, IPv6 fragment header) */
  fragment: boolean;
  /** a non-first fragment: no transport header inside */
  laterFragment: boolean;
  hasOptions: boolean;
}

export const FIN = 0x01;
export const SYN = 0x02;
export const RST = 0x04;
export const PSH = 0x08;
export const ACK = 0x10;

export interface TcpInfo {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: number;
  window: number;
  payloadLen: number;
  mss?: number;
  wscale?: number;
  sackPermitted?: boolean;
}

export interface UdpInfo {
  srcPort: number;
  dstPort: number;
  payloadLen: number;
}

export interface IcmpInfo {
  v: 4 | 6;
  type: number;
  code: number;
  /** next-hop MTU of an IPv4 frag-needed or ICMPv6 packet-too-big */
  mtu?: number;
  /** the quoted packet of an error message, when its header is present */
  inner?: { src: string; dst: string; proto: number; srcPort?: number; dstPort?: number };
}

export interface DnsInfo {
  id: number;
  response: boolean;
  opcode: number;
  rcode: number;
  qdcount: number;
  ancount: number;
  /** the first question, fully qualified with a trailing dot */
  name?: string;
  qtype?: number;
}

export interface Packet {
  ts: number;
  /** length on the wire (may exceed the captured bytes) */
  wireLen: number;
  linkType: number;
  vlans: number[];
  ip?: IpInfo;
  tcp?: TcpInfo;
  udp?: UdpInfo;
  icmp?: IcmpInfo;
  dns?: DnsInfo;
  /** per-packet caches of the flow keys (see fwdKey/revKey in analysis/module.ts), built on first use */
  fk?: string;
  rk?: string;
}

/** Thrown by decoders on bytes that cannot be a valid header; caught once per frame by decodeFrame. */
export class Malformed extends Error {}
export const need = (buf: Uint8Array, off: number, n: number, what: string): void => {
  if (off < 0 || off + n > buf.length) throw new Malformed(`${what}: truncated`);
};
