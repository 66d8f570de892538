import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pcapHeader } from '../../test/helpers/pcap-synth.js';
import { CaptureReader } from './capture-reader.js';
import { decodeFrame } from './decode/decode.js';
import { decodeDns } from './decode/dns.js';
import { decodeIpv4, decodeIpv6 } from './decode/ip.js';
import { decodeLink } from './decode/link.js';
import { Malformed } from './decode/packet.js';
import { decodeIcmp, decodeTcp, decodeUdp } from './decode/transport.js';

const bytes = fc.uint8Array({ maxLength: 2048 }).map((a) => Buffer.from(a));
const LINK_TYPES = [1, 101, 113, 228, 229, 276, 0, 147];
// decoders may only fail with Malformed (caught per frame); anything else would be a bug
const onlyMalformed = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(Malformed);
  }
};

describe('random bytes never throw or hang', () => {
  it('decodeFrame on every link type', () => {
    fc.assert(fc.property(fc.constantFrom(...LINK_TYPES), bytes, (lt, b) => void decodeFrame(lt, 0, b, b.length)), { numRuns: 3000 });
  });
  it('each decoder alone, at any offset', () => {
    fc.assert(
      fc.property(bytes, fc.nat(64), (b, off) => {
        const end = b.length;
        onlyMalformed(() => decodeLink(1, b));
        onlyMalformed(() => decodeIpv4(b, off));
        onlyMalformed(() => decodeIpv6(b, off));
        onlyMalformed(() => decodeTcp(b, off, end));
        onlyMalformed(() => decodeUdp(b, off, end));
        onlyMalformed(() => decodeIcmp(b, off, end, 4));
        onlyMalformed(() => decodeIcmp(b, off, end, 6));
        onlyMalformed(() => decodeDns(b, off, end));
      }),
      { numRuns: 3000 },
    );
  });
  it('the reader on random bytes, bare or behind a valid pcap or pcapng header, in random chunks', () => {
    const ngHead = Buffer.from('0a0d0d0a1c0000004d3c2b1a01000000ffffffffffffffff1c000000', 'hex');
    fc.assert(
      fc.property(fc.constantFrom(Buffer.alloc(0), pcapHeader(1), ngHead), bytes, fc.integer({ min: 1, max: 300 }), (head, b, chunk) => {
        const f = Buffer.concat([head, b]);
        let frames = 0;
        const r = new CaptureReader((lt, ts, data) => {
          frames++;
          decodeFrame(lt, ts, data, data.length);
        });
        for (let i = 0; i < f.length; i += chunk) r.push(f.subarray(i, i + chunk));
        const s = r.end();
        expect(s.frames).toBe(frames);
        expect(frames).toBeLessThanOrEqual(f.length / 12 + 1);
      }),
      { numRuns: 2000 },
    );
  });
});
