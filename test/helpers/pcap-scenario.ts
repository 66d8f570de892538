import { ACK, dns, FIN, icmp4, ipv4, ipv6, PSH, RST, SYN, tcp, udp } from './pcap-synth.js';

/** One IP packet at a capture time; the caller wraps it in a link layer and a container. */
export interface L3 {
  ts: number;
  ip: Buffer;
  v6?: boolean;
}

const T0 = 1_700_000_000;

/**
 * A capture with known content: DNS with every common rcode, unanswered queries and ndots search
 * expansion; TCP handshakes, refused connections, resets, retransmissions (one of them after the
 * data was acknowledged: what tshark calls spurious), zero windows, keep-alives; ICMP frag-needed,
 * port unreachable and echo; an IPv6 DNS query behind a hop-by-hop header. `expected` is what the
 * scenario was built to contain.
 */
export function knownScenario(): { packets: L3[]; expected: Record<string, number> } {
  const out: L3[] = [];
  let t = T0;
  const at = (ip: Buffer, dt = 0.001, v6 = false) => out.push({ ts: (t += dt), ip, v6 });
  const client = '10.0.1.10';
  const coredns = '172.20.0.10';
  // DNS: 8 NOERROR, 3 real NXDOMAIN, 2 SERVFAIL, 1 REFUSED, 2 unanswered, 2 expansion NXDOMAINs
  let id = 100;
  const ask = (name: string, rcode: number | null, answers = 1) => {
    const sport = 40000 + id;
    at(ipv4(client, coredns, 17, udp(sport, 53, dns({ id, name }))));
    if (rcode !== null) at(ipv4(coredns, client, 17, udp(53, sport, dns({ id, name, response: true, rcode, answers: rcode === 0 ? answers : 0 }))), 0.002);
    id++;
  };
  for (let i = 0; i < 8; i++) ask(`svc${i}.example.com.`, 0);
  for (let i = 0; i < 3; i++) ask('missing.example.com.', 3);
  ask('upstream.example.com.', 2);
  ask('upstream.example.com.', 2);
  ask('blocked.example.com.', 5);
  ask('api.amazonaws.com.default.svc.cluster.local.', 3);
  ask('api.amazonaws.com.svc.cluster.local.', 3);
  ask('api.amazonaws.com.', 0);
  ask('lost1.example.com.', null);
  ask('lost2.example.com.', null);
  // IPv6 query with a hop-by-hop extension header (answered)
  const q6 = dns({ id: 9, name: 'v6.example.com.' });
  at(ipv6('fd00::10', 'fd00::53', 17, udp(41000, 53, q6), [[0, Buffer.from([1, 4, 0, 0, 0, 0])]]), 0.001, true);
  at(ipv6('fd00::53', 'fd00::10', 17, udp(53, 41000, dns({ id: 9, name: 'v6.example.com.', response: true, answers: 1 }))), 0.002, true);

  // TCP: 4 complete handshakes with data; flow A has a retransmission (before ACK) and a spurious one (after)
  const server = '10.0.2.20';
  const hs = (sport: number, dport: number, iss: number, irs: number) => {
    at(ipv4(client, server, 6, tcp(sport, dport, iss, 0, SYN, { options: Buffer.from([2, 4, 5, 0xb4, 1, 3, 3, 7]) })));
    at(ipv4(server, client, 6, tcp(dport, sport, irs, iss + 1, SYN | ACK)), 0.001);
    at(ipv4(client, server, 6, tcp(sport, dport, iss + 1, irs + 1, ACK)), 0.001);
  };
  const data = Buffer.alloc(100, 0x61);
  hs(50001, 443, 1000, 5000);
  at(ipv4(client, server, 6, tcp(50001, 443, 1001, 5001, PSH | ACK, { payload: data })));
  at(ipv4(client, server, 6, tcp(50001, 443, 1001, 5001, PSH | ACK, { payload: data })), 0.3); // RTO retransmission
  at(ipv4(server, client, 6, tcp(443, 50001, 5001, 1101, ACK)), 0.001);
  at(ipv4(client, server, 6, tcp(50001, 443, 1001, 5001, PSH | ACK, { payload: data })), 0.3); // spurious: already ACKed
  // keep-alive (zero length at snd.nxt - 1) and its ACK
  at(ipv4(client, server, 6, tcp(50001, 443, 1100, 5001, ACK)), 1);
  at(ipv4(server, client, 6, tcp(443, 50001, 5001, 1101, ACK)), 0.001);
  // flow B: receiver advertises a zero window twice, then opens it
  hs(50002, 8080, 2000, 6000);
  at(ipv4(client, server, 6, tcp(50002, 8080, 2001, 6001, PSH | ACK, { payload: data })));
  at(ipv4(server, client, 6, tcp(8080, 50002, 6001, 2101, ACK, { window: 0 })), 0.001);
  at(ipv4(server, client, 6, tcp(8080, 50002, 6001, 2101, ACK, { window: 0 })), 0.2);
  at(ipv4(server, client, 6, tcp(8080, 50002, 6001, 2101, ACK, { window: 512 })), 0.2);
  // flow C: mid-stream reset by the server; flow D: orderly close
  hs(50003, 9000, 3000, 7000);
  at(ipv4(server, client, 6, tcp(9000, 50003, 7001, 3001, RST | ACK)), 0.01);
  hs(50004, 9000, 4000, 8000);
  at(ipv4(client, server, 6, tcp(50004, 9000, 4001, 8001, FIN | ACK)));
  at(ipv4(server, client, 6, tcp(9000, 50004, 8001, 4002, FIN | ACK)));
  at(ipv4(client, server, 6, tcp(50004, 9000, 4002, 8002, ACK)));
  // 3 refused connections (SYN answered by RST|ACK ack = seq + 1), 2 SYNs never answered
  for (let i = 0; i < 3; i++) {
    at(ipv4(client, server, 6, tcp(51000 + i, 5432, 9000 + i * 100, 0, SYN)));
    at(ipv4(server, client, 6, tcp(5432, 51000 + i, 0, 9001 + i * 100, RST | ACK)), 0.0005);
  }
  for (let i = 0; i < 2; i++) at(ipv4(client, '10.0.9.9', 6, tcp(52000 + i, 443, 12345 + i, 0, SYN)));
  // a SYN retransmitted: tshark calls it a retransmission, our definition (payload > 0) does not
  at(ipv4(client, '10.0.9.9', 6, tcp(52000, 443, 12345, 0, SYN)), 1);

  // ICMP: 2 frag-needed (MTU 1400), 1 port unreachable, an echo request/reply; quotes hold the
  // original IP header and 8 bytes only (RFC 792), so tshark sees no TCP flags or DNS inside them
  const quoted = (p: Buffer) => p.subarray(0, 28);
  const big = ipv4(client, '192.0.2.1', 6, tcp(50010, 443, 1, 1, ACK, { payload: Buffer.alloc(1460) }), { id: 7 });
  at(ipv4('10.0.0.1', client, 1, icmp4(3, 4, 1400, quoted(big))));
  at(ipv4('10.0.0.1', client, 1, icmp4(3, 4, 1400, quoted(big))), 0.5);
  at(ipv4(server, client, 1, icmp4(3, 3, 0, quoted(ipv4(client, server, 17, udp(40999, 33434, Buffer.alloc(8)))))));
  at(ipv4(client, server, 1, icmp4(8, 0, 0x00010001, Buffer.alloc(32))));
  at(ipv4(server, client, 1, icmp4(0, 0, 0x00010001, Buffer.alloc(32))), 0.0003);

  // 6 s of silence, then one last packet: the two lost queries are now older than 5 s
  at(ipv4(client, server, 17, udp(40000, 7777, Buffer.from('tail'))), 6);
  return {
    packets: out,
    expected: {
      dnsQueries: 20,
      dnsResponses: 18,
      noerror: 10,
      nxdomain: 5,
      servfail: 2,
      refused: 1,
      unanswered: 2,
      searchExpansion: 2,
      syn: 10,
      synAck: 4,
      rst: 4,
      retransmissions: 2,
      zeroWindow: 2,
      keepalives: 1,
      connRefused: 3,
      fragNeeded: 2,
      unreachable: 3,
      echo: 2,
    },
  };
}
