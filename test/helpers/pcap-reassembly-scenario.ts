import { ACK, dns, FIN, ipv4, PSH, SYN, tcp, udp } from './pcap-synth.js';

/**
 * DNS that only reassembly can read: UDP responses larger than the path MTU in IPv4 fragments (in
 * order, out of order, and one with a fragment lost), and DNS over TCP with a response split across
 * segments and a length prefix split across segments. Returns IPv4 packets (no link header) with
 * times, and the DNS counts a correct reader finds: one DNS message completes per frame, so frame
 * counts (tshark -Y) and message counts agree.
 */
export function reassemblyScenario(): { packets: { ts: number; ip: Buffer }[]; expected: { queries: number; responses: number; noerror: number; nxdomain: number; unanswered: number } } {
  const client = '10.0.37.41';
  const server = '172.20.0.10';
  const packets: { ts: number; ip: Buffer }[] = [];
  let ts = 1_710_403_200;
  const add = (ip: Buffer) => packets.push({ ts: (ts += 0.001), ip });
  /** a UDP datagram from `src` cut into IPv4 fragments of `size` bytes (a multiple of 8), in `order` */
  const fragmented = (src: string, dst: string, id: number, datagram: Buffer, size: number, order?: number[]) => {
    const parts: Buffer[] = [];
    for (let off = 0; off < datagram.length; off += size) {
      const chunk = datagram.subarray(off, off + size);
      parts.push(ipv4(src, dst, 17, chunk, { id, mf: off + size < datagram.length, fragOffset: off }));
    }
    for (const i of order ?? parts.map((_, j) => j)) add(parts[i]!);
    return parts.length;
  };

  // 1. a large answer in three fragments, in order
  add(ipv4(client, server, 17, udp(40001, 53, dns({ id: 0x1001, name: 'big.shop.svc.cluster.local' }))));
  fragmented(server, client, 0x4242, udp(53, 40001, dns({ id: 0x1001, response: true, name: 'big.shop.svc.cluster.local', answers: 100 })), 552);
  // 2. the same, fragments arriving last first
  add(ipv4(client, server, 17, udp(40002, 53, dns({ id: 0x1002, name: 'big2.shop.svc.cluster.local' }))));
  fragmented(server, client, 0x4243, udp(53, 40002, dns({ id: 0x1002, response: true, name: 'big2.shop.svc.cluster.local', answers: 90 })), 552, [2, 0, 1]);
  // 3. a fragment lost: the answer never completes, the query stays unanswered
  add(ipv4(client, server, 17, udp(40003, 53, dns({ id: 0x1003, name: 'lost.shop.svc.cluster.local' }))));
  const lost = udp(53, 40003, dns({ id: 0x1003, response: true, name: 'lost.shop.svc.cluster.local', answers: 100 }));
  add(ipv4(server, client, 17, lost.subarray(0, 552), { id: 0x4244, mf: true, fragOffset: 0 }));
  add(ipv4(server, client, 17, lost.subarray(1104), { id: 0x4244, mf: false, fragOffset: 1104 }));

  // 4. DNS over TCP: handshake, a query, an answer in two segments, a second query whose 2-byte length
  //    prefix is split across segments, an NXDOMAIN answer, FIN
  const cs = 1000;
  const ss = 5000;
  const framed = (m: Buffer) => Buffer.concat([Buffer.from([m.length >> 8, m.length & 255]), m]);
  add(ipv4(client, server, 6, tcp(41000, 53, cs, 0, SYN)));
  add(ipv4(server, client, 6, tcp(53, 41000, ss, cs + 1, SYN | ACK)));
  add(ipv4(client, server, 6, tcp(41000, 53, cs + 1, ss + 1, ACK)));
  const q1 = framed(dns({ id: 0x2001, name: 'api.shop.svc.cluster.local' }));
  add(ipv4(client, server, 6, tcp(41000, 53, cs + 1, ss + 1, PSH | ACK, { payload: q1 })));
  const r1 = framed(dns({ id: 0x2001, response: true, name: 'api.shop.svc.cluster.local', answers: 120 }));
  add(ipv4(server, client, 6, tcp(53, 41000, ss + 1, cs + 1 + q1.length, ACK, { payload: r1.subarray(0, 1000) })));
  add(ipv4(server, client, 6, tcp(53, 41000, ss + 1001, cs + 1 + q1.length, PSH | ACK, { payload: r1.subarray(1000) })));
  let c = cs + 1 + q1.length;
  const s = ss + 1 + r1.length;
  const q2 = framed(dns({ id: 0x2002, name: 'nope.example.com' }));
  add(ipv4(client, server, 6, tcp(41000, 53, c, s, ACK, { payload: q2.subarray(0, 1) })));
  add(ipv4(client, server, 6, tcp(41000, 53, c + 1, s, PSH | ACK, { payload: q2.subarray(1) })));
  c += q2.length;
  const r2 = framed(dns({ id: 0x2002, response: true, rcode: 3, name: 'nope.example.com' }));
  add(ipv4(server, client, 6, tcp(53, 41000, s, c, PSH | ACK, { payload: r2 })));
  add(ipv4(client, server, 6, tcp(41000, 53, c, s + r2.length, FIN | ACK)));
  add(ipv4(server, client, 6, tcp(53, 41000, s + r2.length, c + 1, FIN | ACK)));
  add(ipv4(client, server, 6, tcp(41000, 53, c + 1, s + r2.length + 1, ACK)));

  return { packets, expected: { queries: 5, responses: 4, noerror: 3, nxdomain: 1, unanswered: 1 } };
}
