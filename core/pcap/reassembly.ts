import type { TcpInfo } from './decode/packet.js';
import type { Thresholds } from './thresholds.js';

interface Datagram {
  first: number;
  /** IP payload length, known once the fragment without MF arrived; -1 until then */
  total: number;
  frags: { off: number; data: Buffer }[];
  bytes: number;
}

/** The largest IPv4 payload: 65535 minus the smallest header. */
const MAX_IPV4_PAYLOAD = 65515;

/**
 * IPv4 fragment reassembly (RFC 791), bounded: at most `maxDatagrams` datagrams and
 * `maxFragmentBytes` of fragment data at once (the oldest is dropped and counted), and a datagram
 * whose fragments do not all arrive within `fragmentTimeoutSeconds` of the first is dropped.
 * Fragment bytes are copied: the capture reader reuses its buffers.
 */
export class Ipv4Defrag {
  /** datagrams put back together */
  reassembled = 0;
  /** datagrams given up: timed out, evicted by the caps, or inconsistent (past 64 KiB, a second end) */
  dropped = 0;
  private readonly table = new Map<string, Datagram>();
  private bytes = 0;

  constructor(private readonly t: Thresholds['reassembly']) {}

  /**
   * One fragment of datagram `key` (src|dst|id|proto) at byte `offset` of the IP payload; `more` is
   * the MF flag. Returns the whole IP payload when this fragment completes it.
   */
  add(key: string, ts: number, offset: number, more: boolean, data: Buffer): Buffer | null {
    this.expire(ts);
    let d = this.table.get(key);
    if (!d) {
      if (this.table.size >= this.t.maxDatagrams) this.dropOldest();
      d = { first: ts, total: -1, frags: [], bytes: 0 };
      this.table.set(key, d);
    }
    const end = offset + data.length;
    if (end > MAX_IPV4_PAYLOAD || (!more && d.total >= 0 && d.total !== end) || (d.total >= 0 && end > d.total)) {
      this.remove(key, d);
      this.dropped++;
      return null;
    }
    if (!more) d.total = end;
    d.frags.push({ off: offset, data: Buffer.from(data) });
    d.bytes += data.length;
    this.bytes += data.length;
    while (this.bytes > this.t.maxFragmentBytes && this.table.size > 0) this.dropOldest();
    if (d.total < 0 || !this.table.has(key)) return null;
    // complete when the fragments cover [0, total) without a hole
    const sorted = [...d.frags].sort((a, b) => a.off - b.off);
    let covered = 0;
    for (const f of sorted) {
      if (f.off > covered) return null;
      covered = Math.max(covered, f.off + f.data.length);
    }
    if (covered < d.total) return null;
    const out = Buffer.alloc(d.total);
    for (const f of sorted) f.data.copy(out, f.off);
    this.remove(key, d);
    this.reassembled++;
    return out;
  }

  private expire(ts: number): void {
    // insertion order ≈ capture order: stop at the first datagram still inside its window
    for (const [k, d] of this.table) {
      if (ts - d.first <= this.t.fragmentTimeoutSeconds) break;
      this.remove(k, d);
      this.dropped++;
    }
  }

  private dropOldest(): void {
    const first = this.table.entries().next();
    if (first.done) return;
    this.remove(first.value[0], first.value[1]);
    this.dropped++;
  }

  private remove(k: string, d: Datagram): void {
    this.table.delete(k);
    this.bytes -= d.bytes;
  }

  /** datagrams still incomplete (at the end of the capture) */
  get pending(): number {
    return this.table.size;
  }
}

interface Stream {
  /** next expected sequence number */
  next: number;
  chunks: Buffer[];
  buffered: number;
}

/**
 * DNS over TCP (RFC 1035 4.2.2, RFC 7766): each message is preceded by a 2-byte length. Segments of
 * one direction are taken in sequence order; a retransmitted range is skipped, a gap (lost or
 * reordered segment) gives up on the stream until its next SYN, since a message boundary can no
 * longer be found. A stream first seen mid-way is assumed to start at a message boundary.
 * Bounded: `maxTcpDnsFlows` directions and `maxTcpDnsBytes` buffered, the oldest dropped and counted.
 */
export class TcpDnsStreams {
  messages = 0;
  /** streams abandoned: a gap, a cap, or a length prefix of 0 */
  dropped = 0;
  private readonly streams = new Map<string, Stream>();
  private bytes = 0;

  constructor(private readonly t: Thresholds['reassembly']) {}

  /** A segment of direction `key` (src|sport|dst|dport); returns the DNS messages it completes. */
  segment(key: string, tcp: TcpInfo, payload: Buffer): Buffer[] {
    const SYN = 0x02;
    const FIN = 0x01;
    const RST = 0x04;
    if (tcp.flags & RST) {
      this.remove(key);
      return [];
    }
    if (tcp.flags & SYN) {
      this.remove(key);
      this.open(key, (tcp.seq + 1) >>> 0);
      return [];
    }
    let s = this.streams.get(key);
    const out: Buffer[] = [];
    if (payload.length > 0) {
      if (!s) s = this.open(key, tcp.seq);
      // sequence arithmetic mod 2^32: where this segment starts relative to what we expect
      const rel = (tcp.seq - s.next) | 0;
      if (rel > 0) {
        this.remove(key);
        this.dropped++;
        return [];
      }
      if (-rel < payload.length) {
        const fresh = payload.subarray(-rel);
        s.chunks.push(Buffer.from(fresh));
        s.buffered += fresh.length;
        this.bytes += fresh.length;
        s.next = (s.next + fresh.length) >>> 0;
        if (!this.drain(key, s, out)) return out;
        while (this.bytes > this.t.maxTcpDnsBytes && this.streams.size > 0) this.dropOldest();
      }
    }
    if (tcp.flags & FIN) this.remove(key);
    return out;
  }

  /** Emits the whole messages buffered; false when the stream was abandoned. */
  private drain(key: string, s: Stream, out: Buffer[]): boolean {
    while (s.buffered >= 2) {
      const head = s.chunks.length === 1 ? s.chunks[0]! : Buffer.concat(s.chunks);
      s.chunks = [head];
      const len = head.readUInt16BE(0);
      if (len === 0) {
        this.remove(key);
        this.dropped++;
        return false;
      }
      if (head.length < 2 + len) break;
      out.push(head.subarray(2, 2 + len));
      this.messages++;
      const rest = head.subarray(2 + len);
      s.chunks = rest.length ? [rest] : [];
      s.buffered -= 2 + len;
      this.bytes -= 2 + len;
    }
    return true;
  }

  private open(key: string, next: number): Stream {
    if (this.streams.size >= this.t.maxTcpDnsFlows) this.dropOldest();
    const s: Stream = { next, chunks: [], buffered: 0 };
    this.streams.set(key, s);
    return s;
  }

  private dropOldest(): void {
    const first = this.streams.keys().next();
    if (first.done) return;
    this.remove(first.value);
    this.dropped++;
  }

  private remove(key: string): void {
    const s = this.streams.get(key);
    if (!s) return;
    this.bytes -= s.buffered;
    this.streams.delete(key);
  }
}
