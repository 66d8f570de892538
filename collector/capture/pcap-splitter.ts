/** libpcap's largest snaplen is 256 KiB; a record claiming more means the stream is not pcap. */
const MAX_RECORD = 262_144 + 65_536;
const MAGICS = new Map<number, boolean>([
  [0xa1b2c3d4, false], [0xd4c3b2a1, true], // microseconds, big/little endian
  [0xa1b23c4d, false], [0x4d3cb2a1, true], // nanoseconds
]);

/**
 * Splits the classic pcap stream `tcpdump -w -` writes into its 24-byte file header and whole
 * records, so the runner can cut chunks at record boundaries (each chunk a valid pcap file) and
 * count packets and bytes exactly. Holds at most one incomplete record.
 */
export class PcapRecordSplitter {
  header: Buffer | undefined;
  private le = true;
  private pending: Buffer = Buffer.alloc(0);

  /** Complete records (16-byte record header + data) found so far; throws when the stream is not pcap. */
  push(chunk: Buffer): Buffer[] {
    const buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let off = 0;
    if (!this.header) {
      if (buf.length < 24) {
        this.pending = buf;
        return [];
      }
      const le = MAGICS.get(buf.readUInt32BE(0));
      if (le === undefined) throw new Error(`tcpdump output is not a classic pcap stream (magic 0x${buf.readUInt32BE(0).toString(16)})`);
      this.le = le;
      this.header = Buffer.from(buf.subarray(0, 24));
      off = 24;
    }
    const out: Buffer[] = [];
    while (buf.length - off >= 16) {
      const incl = this.le ? buf.readUInt32LE(off + 8) : buf.readUInt32BE(off + 8);
      if (incl > MAX_RECORD) throw new Error(`pcap record claims ${incl} bytes: the stream is corrupt`);
      if (buf.length - off < 16 + incl) break;
      out.push(buf.subarray(off, off + 16 + incl));
      off += 16 + incl;
    }
    // copy the tail so the large chunk it came from can be collected
    this.pending = off < buf.length ? Buffer.from(buf.subarray(off)) : Buffer.alloc(0);
    return out;
  }

  /** Bytes of an incomplete record left when the stream ended (tcpdump killed mid-write). */
  get leftover(): number {
    return this.pending.length;
  }
}
