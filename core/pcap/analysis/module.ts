import type { Packet } from '../decode/packet.js';
import type { Thresholds } from '../thresholds.js';

export type Severity = 'critical' | 'warning' | 'info';
export const SEVERITY_RANK: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };

/** An anomaly before it gets its P-nnn id (ids are assigned once, in module order, by analyzePcap). */
export interface Finding {
  type: string;
  severity: Severity;
  message: string;
  evidence: Record<string, unknown>;
}

export interface FinishContext {
  t: Thresholds;
  /** capture time of the first and last frame (seconds since the epoch) */
  start: number;
  end: number;
}

/** One analysis: fed every decoded packet in capture order, asked for its findings at the end. */
export interface AnalysisModule {
  readonly name: string;
  onPacket(p: Packet): void;
  finish(ctx: FinishContext): Finding[];
  /** entries dropped from this module's bounded tables */
  evictions(): number;
}

export const endpoint = (ip: string, port: number): string => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);
/** The direction-sensitive 5-tuple (src ip, src port, dst ip, dst port, proto). */
export const flowKey = (src: string, sp: number, dst: string, dp: number, proto: number): string => `${src}|${sp}|${dst}|${dp}|${proto}`;
/**
 * flowKey(src, sp, dst, dp, proto) of an IP packet (ports 0 without TCP/UDP), built once per packet and
 * shared by every module (one string, hashed once).
 */
export const fwdKey = (p: Packet): string => {
  if (p.fk !== undefined) return p.fk;
  const ip = p.ip!;
  const l4 = p.tcp ?? p.udp;
  return (p.fk = `${ip.src}|${l4 ? l4.srcPort : 0}|${ip.dst}|${l4 ? l4.dstPort : 0}|${ip.proto}`);
};
/** The reverse direction: flowKey(dst, dp, src, sp, proto). */
export const revKey = (p: Packet): string => {
  if (p.rk !== undefined) return p.rk;
  const ip = p.ip!;
  const l4 = p.tcp ?? p.udp;
  return (p.rk = `${ip.dst}|${l4 ? l4.dstPort : 0}|${ip.src}|${l4 ? l4.srcPort : 0}|${ip.proto}`);
};
/** Sequence-number comparison modulo 2^32 (RFC 1982 serial arithmetic). */
export const seqAfter = (a: number, b: number): boolean => ((a - b) | 0) > 0;

export interface Cidr {
  base: number;
  mask: number;
  text: string;
}
export function parseCidr(text: string): Cidr {
  const [ip, bits] = text.split('/');
  const n = (ip ?? '').split('.').reduce((a, o) => a * 256 + Number(o), 0) >>> 0;
  const b = Number(bits);
  const mask = b === 0 ? 0 : (0xffffffff << (32 - b)) >>> 0;
  return { base: (n & mask) >>> 0, mask, text };
}
export const inCidrs = (n: number, cidrs: Cidr[]): Cidr | undefined => cidrs.find((c) => ((n & c.mask) >>> 0) === c.base);

/** Top `n` entries of a count map, by count then key (a deterministic order). */
export function topCounts<K extends string>(m: Map<K, number>, n: number): { key: K; count: number }[] {
  return [...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, n).map(([key, count]) => ({ key, count }));
}
export const bump = <K>(m: Map<K, number>, k: K, by = 1): void => void m.set(k, (m.get(k) ?? 0) + by);
