import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';

/**
 * A real network namespace joined to this host by a veth pair, with a DNS responder (answers
 * `*.ok.test` NOERROR with an A record, anything else NXDOMAIN) and a TCP echo listener on the host
 * end. Unique names per run; `destroy` removes everything even after a failed test.
 */
export interface NetnsLab {
  ns: string;
  /** the veth end inside the namespace */
  nsIf: string;
  hostIp: string;
  nsIp: string;
  tcpPort: number;
  closedPort: number;
  /** pid of a process living in the namespace (`ip netns exec <ns> sleep`) */
  pid: number;
  /** runs a node script inside the namespace; resolves with its stdout */
  runInNs(script: string, args?: string[]): Promise<string>;
  destroy(): Promise<void>;
}

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] });

function dnsAnswer(q: Buffer): Buffer | undefined {
  if (q.length < 12) return undefined;
  let off = 12;
  const labels: string[] = [];
  while (off < q.length && q[off]! !== 0) {
    labels.push(q.subarray(off + 1, off + 1 + q[off]!).toString('ascii'));
    off += 1 + q[off]!;
  }
  const question = q.subarray(12, off + 5);
  const ok = labels.join('.').endsWith('ok.test');
  const head = Buffer.alloc(12);
  head.writeUInt16BE(q.readUInt16BE(0), 0);
  head.writeUInt16BE(ok ? 0x8180 : 0x8183, 2);
  head.writeUInt16BE(1, 4);
  head.writeUInt16BE(ok ? 1 : 0, 6);
  const answer = ok ? Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 0, 0, 7]) : Buffer.alloc(0);
  return Buffer.concat([head, question, answer]);
}

export async function createNetnsLab(): Promise<NetnsLab> {
  const r = randomBytes(3).toString('hex');
  const ns = `nlmcap-${r}`;
  const hostIf = `nlmh${r}`;
  const nsIf = `nlmn${r}`;
  // a /30 in 10.200-249.x.x picked at random so parallel runs do not collide
  const a = 200 + (randomBytes(1)[0]! % 50);
  const b = randomBytes(1)[0]!;
  const c = (randomBytes(1)[0]! % 63) * 4;
  const hostIp = `10.${a}.${b}.${c + 1}`;
  const nsIp = `10.${a}.${b}.${c + 2}`;
  const cleanups: (() => Promise<void> | void)[] = [];
  const destroy = async () => {
    for (const f of cleanups.reverse()) {
      try {
        await f();
      } catch {
        // best effort: the rest must still run
      }
    }
  };
  try {
    ip('netns', 'add', ns);
    cleanups.push(() => void ip('netns', 'del', ns));
    ip('link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf);
    cleanups.push(() => void ip('link', 'del', hostIf));
    ip('link', 'set', nsIf, 'netns', ns);
    ip('addr', 'add', `${hostIp}/30`, 'dev', hostIf);
    ip('link', 'set', hostIf, 'up');
    ip('netns', 'exec', ns, 'ip', 'addr', 'add', `${nsIp}/30`, 'dev', nsIf);
    ip('netns', 'exec', ns, 'ip', 'link', 'set', nsIf, 'up');
    ip('netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up');

    const udp = dgram.createSocket('udp4');
    udp.on('message', (msg, rinfo) => {
      const ans = dnsAnswer(msg);
      if (ans) udp.send(ans, rinfo.port, rinfo.address);
    });
    await new Promise<void>((res, rej) => {
      udp.once('error', rej);
      udp.bind(53, hostIp, () => res());
    });
    cleanups.push(() => new Promise<void>((res) => udp.close(() => res())));

    const tcp = net.createServer((s) => s.on('data', (d) => s.end(d)));
    await new Promise<void>((res) => tcp.listen(0, hostIp, () => res()));
    cleanups.push(() => new Promise<void>((res) => tcp.close(() => res())));
    const tcpPort = (tcp.address() as net.AddressInfo).port;
    // a port nobody listens on: the kernel answers a SYN with RST
    const probe = net.createServer();
    await new Promise<void>((res) => probe.listen(0, hostIp, () => res()));
    const closedPort = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((res) => probe.close(() => res()));

    const sleeper: ChildProcess = spawn('ip', ['netns', 'exec', ns, 'sleep', '600'], { stdio: 'ignore' });
    cleanups.push(() => void sleeper.kill('SIGKILL'));
    await new Promise<void>((res, rej) => {
      sleeper.once('spawn', () => res());
      sleeper.once('error', rej);
    });

    const runInNs = (script: string, args: string[] = []) =>
      new Promise<string>((res, rej) => {
        const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', script, '--', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (err += d.toString()));
        child.once('error', rej);
        child.once('close', (code) => (code === 0 ? res(out) : rej(new Error(`script in ${ns} exited ${code}: ${err}`))));
      });
    return { ns, nsIf, hostIp, nsIp, tcpPort, closedPort, pid: sleeper.pid!, runInNs, destroy };
  } catch (e) {
    await destroy();
    throw e;
  }
}

/**
 * Traffic generated inside the namespace: two DNS queries (one NOERROR, one NXDOMAIN), a TCP
 * exchange with the echo listener, and a connection to the closed port (refused by RST).
 * Prints what happened as JSON.
 */
export const TRAFFIC_SCRIPT = `
const dgram = require('node:dgram'); const net = require('node:net');
const [host, tcpPort, closedPort] = process.argv.slice(-3);
const q = (id, name) => { const h = Buffer.alloc(12); h.writeUInt16BE(id, 0); h.writeUInt16BE(0x0100, 2); h.writeUInt16BE(1, 4);
  const labels = Buffer.concat(name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])));
  return Buffer.concat([h, labels, Buffer.from([0, 0, 1, 0, 1])]); };
const dns = (id, name) => new Promise((res, rej) => { const s = dgram.createSocket('udp4');
  const t = setTimeout(() => { s.close(); rej(new Error('dns timeout ' + name)); }, 3000);
  s.on('message', (m) => { clearTimeout(t); s.close(); res(m.readUInt16BE(2) & 0xf); }); s.send(q(id, name), 53, host); });
const echo = () => new Promise((res, rej) => { const c = net.connect(Number(tcpPort), host, () => c.write('hello'));
  let d = ''; c.on('data', (x) => (d += x)); c.on('end', () => res(d)); c.on('error', rej); });
const refused = () => new Promise((res) => { const c = net.connect(Number(closedPort), host); c.on('error', (e) => res(e.code)); c.on('connect', () => { c.destroy(); res('connected'); }); });
(async () => { const out = { ok: await dns(0x1234, 'www.ok.test'), nx: await dns(0x2345, 'nothing.missing.test'), echo: await echo(), refused: await refused() };
  process.stdout.write(JSON.stringify(out)); })().catch((e) => { console.error(e); process.exit(1); });
`;

/** Sends `count` UDP datagrams of `size` bytes to host:port from inside the namespace. */
export const UDP_BURST_SCRIPT = `
const dgram = require('node:dgram');
const [host, port, count, size] = process.argv.slice(-4);
const s = dgram.createSocket('udp4'); const buf = Buffer.alloc(Number(size), 0x61); let sent = 0;
const next = () => { if (sent >= Number(count)) { s.close(); return; } sent++; s.send(buf, Number(port), host, () => setImmediate(next)); };
next();
`;
