import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { appendFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import pino from 'pino';
import { extract } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFakeHostRoot, SEEDED_SECRETS } from '../test/fixtures/fake-host-root.js';
import { writeBundleArchive } from './bundle-writer.js';
import { collectNode, type CollectOptions } from './collect.js';
import type { CollectorManifest } from './manifest.js';
import { CATEGORIES, loadSources, type Source, SourceSchema } from './sources.js';

const log = pino({ level: 'silent' });
let dir: string;
let root: string;
let imds: Server;
let imdsUrl: string;
let n = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'collect-'));
  root = await buildFakeHostRoot(dir);
  // a real IMDSv2 endpoint on loopback: token by PUT, metadata only with the token
  imds = createServer((req, res) => {
    if (req.method === 'PUT' && req.url === '/latest/api/token') return void res.end('imds-session-token');
    if (req.headers['x-aws-ec2-metadata-token'] !== 'imds-session-token') return void res.writeHead(401).end();
    const facts: Record<string, string> = {
      '/latest/meta-data/instance-id': 'i-0a1b2c3d4e5f60718',
      '/latest/meta-data/placement/region': 'us-east-1',
      '/latest/meta-data/placement/availability-zone': 'us-east-1a',
      '/latest/meta-data/instance-type': 'm5.large',
    };
    const v = facts[req.url ?? ''];
    if (v) res.end(v);
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => imds.listen(0, '127.0.0.1', r));
  imdsUrl = `http://127.0.0.1:${(imds.address() as { port: number }).port}`;
});
afterAll(async () => {
  await new Promise((r) => imds.close(r));
  await rm(dir, { recursive: true, force: true });
});

function collect(o: Partial<CollectOptions> = {}): Promise<CollectorManifest> {
  return collectNode({
    hostRoot: root, stagingDir: join(dir, `stage-${++n}`), node: 'ip-10-0-37-112.ec2.internal', method: 'local',
    sinceMs: Date.now() - 600_000, exec: { inPod: false }, log, imdsBaseUrl: imdsUrl, minFreeBytes: 1, ...o,
  });
}
const table = (rows: unknown[]): Source[] => rows.map((r) => SourceSchema.parse(r));
const rec = (m: CollectorManifest, id: string) => m.sources.find((s) => s.id === id)!;

/** Every byte of an archive, with .gz members decompressed: what a reader of the bundle could see. */
async function archiveBytes(archive: string): Promise<Map<string, Buffer>> {
  const out = join(dir, `x-${++n}`);
  await mkdir(out);
  await extract({ file: archive, cwd: out });
  const files = new Map<string, Buffer>();
  async function walk(rel: string): Promise<void> {
    for (const e of await readdir(join(out, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(r);
      else {
        const b = await readFile(join(out, r));
        files.set(r, r.endsWith('.gz') ? gunzipSync(b) : b);
      }
    }
  }
  await walk('');
  return files;
}

describe('collecting the fake host root with the real source table', () => {
  let m: CollectorManifest;
  let files: Map<string, Buffer>;
  beforeAll(async () => {
    m = await collect({ commandTimeoutMs: 20_000 });
    const archive = join(dir, 'fake.tar.gz');
    await writeBundleArchive(join(dir, `stage-${n}`), archive, Date.now());
    files = await archiveBytes(archive);
  });

  it('writes the eks-log-collector.sh layout the analysis reads', () => {
    for (const p of ['collector-manifest.json', 'kubelet/config.json', 'kubelet/kubeconfig.yaml', 'cni/10-aws.conflist', 'containerd/containerd-config.txt',
      'var_log/messages', 'var_log/messages-20240313.gz', 'var_log/cloud-init-output.log', 'var_log/aws-routed-eni/ipamd.log', 'var_log/aws-routed-eni/plugin.log',
      'var_log/pods/kube-system_aws-node-x7k2p_0123/aws-node/0.log', 'networking/resolv.conf', 'networking/aws-node-run/ipam.json',
      'nodeadm/config/99-credentials.yaml', 'system/instance-id.txt', 'system/region.txt', 'system/availability-zone.txt']) {
      expect([...files.keys()], p).toContain(p);
    }
  });

  it('detects the host OS from HOST_ROOT/etc/os-release and records IMDS facts', () => {
    expect(m.platform).toBe('al2023');
    expect(m).toMatchObject({ instanceId: 'i-0a1b2c3d4e5f60718', region: 'us-east-1', availabilityZone: 'us-east-1a' });
    expect(files.get('system/instance-id.txt')!.toString()).toBe('i-0a1b2c3d4e5f60718');
  });

  it('no seeded secret appears anywhere in the archive, gzip members included', () => {
    const leaks: string[] = [];
    for (const [path, bytes] of files) for (const [name, secret] of Object.entries(SEEDED_SECRETS)) if (bytes.includes(secret)) leaks.push(`${name} in ${path}`);
    expect(leaks).toEqual([]);
  });

  it('counts the redactions per file in the manifest', () => {
    const by = Object.fromEntries(m.redactions.map((r) => [r.path, r.count]));
    expect(by).toMatchObject({
      'kubelet/kubeconfig.yaml': 3,
      'var_log/messages': 1,
      'var_log/messages-20240313.gz': 1,
      'var_log/cloud-init-output.log': 3,
      'var_log/aws-routed-eni/ipamd.log': 1,
      'var_log/pods/kube-system_aws-node-x7k2p_0123/aws-node/0.log': 1,
      'nodeadm/config/99-credentials.yaml': 1,
    });
    expect(rec(m, 'kubelet-kubeconfig').redactions).toBe(3);
    const inManifestFile = JSON.parse(files.get('collector-manifest.json')!.toString()) as CollectorManifest;
    expect(inManifestFile.redactions).toEqual(m.redactions);
  });

  it('when a symlink tries to leave HOST_ROOT, the source records it and the outside file is never read', () => {
    expect(rec(m, 'aws-routed-eni-logs')).toMatchObject({ status: 'failed', reason: expect.stringContaining('climbs above HOST_ROOT') });
    expect([...files.keys()].some((p) => p.includes('egress-plugin'))).toBe(false);
  });

  it('collects only the selected pod logs (kube-system), not application logs', () => {
    expect([...files.keys()].some((p) => p.includes('default_web-1'))).toBe(false);
  });

  it('records every missing file and tool with a reason, and never fails the collection for them', () => {
    const missing = m.sources.filter((s) => s.status === 'missing');
    expect(missing.length).toBeGreaterThan(0);
    for (const s of m.sources.filter((x) => x.status !== 'ok')) expect(s.reason, s.id).toBeTruthy();
    expect(rec(m, 'kubelet-config-drop-ins')).toMatchObject({ status: 'missing', reason: expect.stringContaining('does not exist') });
    expect(m.summary.ok + m.summary.missing + m.summary.failed + m.summary.timeout + m.summary.truncated + m.summary.skipped).toBe(m.sources.length);
  });

  it('records how long every source took: ms is a non-negative number on each row, in the manifest file too', () => {
    const inManifestFile = JSON.parse(files.get('collector-manifest.json')!.toString()) as CollectorManifest;
    for (const s of [...m.sources, ...inManifestFile.sources]) {
      expect(typeof s.ms, s.id).toBe('number');
      expect(Number.isFinite(s.ms) && s.ms >= 0, `${s.id}: ${s.ms}`).toBe(true);
    }
    expect(inManifestFile.sources.map((s) => s.ms)).toEqual(m.sources.map((s) => s.ms));
  });
});

describe('category selection', () => {
  it('Networking selects only Networking rows', async () => {
    const m = await collect({ categories: ['Networking'], sources: loadSources().filter((s) => s.kind !== 'command') });
    expect(new Set(m.sources.map((s) => s.category))).toEqual(new Set(['Networking']));
    expect(m.categories).toEqual(['Networking']);
  });
  it('All selects every category', async () => {
    const m = await collect({ categories: ['All'], sources: table(CATEGORIES.map((c) => ({ id: `echo-${c.toLowerCase()}`, category: c, kind: 'command', output: `x/${c}.txt`, argv: ['echo', c] }))) });
    expect(m.categories).toEqual([...CATEGORIES]);
    expect(new Set(m.sources.map((s) => s.category))).toEqual(new Set(CATEGORIES));
  });
  it('a Bottlerocket host skips rows limited to other platforms', async () => {
    const br = join(dir, 'br-root');
    await mkdir(join(br, 'etc'), { recursive: true });
    await writeFile(join(br, 'etc/os-release'), 'NAME=Bottlerocket\nID=bottlerocket\nVERSION_ID=1.20.0\n');
    const m = await collect({ hostRoot: br, categories: ['Base'], sources: table([
      { id: 'al-only', category: 'Base', kind: 'command', output: 'x/a.txt', argv: ['true'], platforms: ['al2023'] },
      { id: 'everywhere', category: 'Base', kind: 'command', output: 'x/b.txt', argv: ['true'] },
    ]) });
    expect(m.platform).toBe('bottlerocket');
    expect(m.sources.map((s) => s.id)).toEqual(['everywhere']);
  });
});

describe('source kinds', () => {
  it('command: env values of secret-looking names in process listings are redacted and counted', async () => {
    const m = await collect({ sources: table([{ id: 'fake-ps', category: 'System', kind: 'command', output: 'system/ps.txt', argv: ['echo', `root 1 /bin/app DB_PASSWORD=${SEEDED_SECRETS.envSecret} HOME=/root`] }]) });
    const text = await readFile(join(dir, `stage-${n}`, 'system/ps.txt'), 'utf8');
    expect(text).toBe('root 1 /bin/app DB_PASSWORD=[REDACTED] HOME=/root\n');
    expect(m.redactions).toEqual([{ path: 'system/ps.txt', count: 1 }]);
  });

  it('command: journal rows get the collection window as --since/--until epochs', async () => {
    const since = Date.now() - 7_200_000;
    await collect({ sinceMs: since, sources: table([{ id: 'j', category: 'Base', kind: 'command', output: 'kubelet/kubelet.log', journal: true, argv: ['echo', 'journalctl', '-u', 'kubelet'] }]) });
    const text = await readFile(join(dir, `stage-${n}`, 'kubelet/kubelet.log'), 'utf8');
    expect(text).toMatch(new RegExp(`^journalctl -u kubelet --since @${Math.floor(since / 1000)} --until @\\d+\\n$`));
  });

  it('command: rows sharing an output are appended in order after their headers', async () => {
    await collect({ sources: table([
      { id: 's', category: 'Networking', kind: 'command', output: 'networking/conntrack.txt', header: '*** Output of conntrack -S ***', argv: ['echo', 'cpu=0 found=1'] },
      { id: 'l', category: 'Networking', kind: 'command', output: 'networking/conntrack.txt', header: '*** Output of conntrack -L ***', argv: ['echo', 'tcp 6 1 ESTABLISHED'] },
    ]) });
    expect(await readFile(join(dir, `stage-${n}`, 'networking/conntrack.txt'), 'utf8')).toBe('*** Output of conntrack -S ***\ncpu=0 found=1\n*** Output of conntrack -L ***\ntcp 6 1 ESTABLISHED\n');
  });

  it('command: per-interface rows run once per physical interface of the host root', async () => {
    const m = await collect({ sources: table([{ id: 'eth', category: 'Device', kind: 'command', perInterface: true, output: 'networking/ethtool-{iface}.txt', argv: ['echo', 'stats of {iface}'] }]) });
    expect(rec(m, 'eth').outputs).toEqual(['networking/ethtool-eth0.txt']);
    expect(await readFile(join(dir, `stage-${n}`, 'networking/ethtool-eth0.txt'), 'utf8')).toBe('stats of eth0\n');
  });

  it('command: an interface whose name is unsafe in an argv is recorded as skipped on the source, and nothing runs for it', async () => {
    const r5 = join(dir, 'odd-iface-root');
    const ran = join(dir, 'odd-iface-ran');
    await mkdir(ran);
    for (const name of ['eth0', 'bad name', 'x$(reboot)', 'nl\nx']) await mkdir(join(r5, 'sys/class/net', name, 'device'), { recursive: true });
    const row = { id: 'eth', category: 'Device', kind: 'command', perInterface: true, output: 'networking/ethtool-{iface}.txt', argv: ['touch', `${ran}/{iface}`] };
    const m = await collect({ hostRoot: r5, sources: table([row]) });
    // touch leaves a file per interface it ran for: only the valid one
    expect(await readdir(ran)).toEqual(['eth0']);
    expect(rec(m, 'eth').status).toBe('ok');
    expect(rec(m, 'eth').reason).toBe([String.raw`"bad name"`, String.raw`"nl\nx"`, String.raw`"x$(reboot)"`].map((q) => `interface ${q} skipped: not a safe interface name`).join('; '));

    // when every physical interface is refused, the source is skipped with the names, not "missing"
    await rm(join(r5, 'sys/class/net/eth0'), { recursive: true });
    await rm(join(ran, 'eth0'));
    const m2 = await collect({ hostRoot: r5, sources: table([row]) });
    expect(rec(m2, 'eth')).toMatchObject({ status: 'skipped', reason: expect.stringContaining('interface "bad name" skipped') });
    expect(await readdir(ran)).toEqual([]);
  });

  it('command: a missing tool leaves no empty file behind', async () => {
    const m = await collect({ sources: table([{ id: 'nft', category: 'Networking', kind: 'command', output: 'networking/nftables.txt', argv: ['no-such-nft-xyz', 'list', 'ruleset'] }]) });
    expect(rec(m, 'nft')).toMatchObject({ status: 'missing', outputs: [] });
    await expect(stat(join(dir, `stage-${n}`, 'networking/nftables.txt'))).rejects.toThrow();
  });

  it('file: the first existing alternative path wins (AL2023 vs Bottlerocket locations)', async () => {
    const m = await collect({ sources: table([{ id: 'cfg', category: 'Runtime', kind: 'file', paths: ['/usr/share/containerd/none.toml', '/etc/containerd/config.toml'], output: 'containerd/containerd-config.txt' }]) });
    expect(rec(m, 'cfg').status).toBe('ok');
    expect(await readFile(join(dir, `stage-${n}`, 'containerd/containerd-config.txt'), 'utf8')).toContain('sandbox_image');
  });

  it('file: when none of the paths exists, orCommand writes the output instead (dmesg.boot from the journal on AL2023)', async () => {
    const r6 = join(dir, 'al2023-root');
    await mkdir(join(r6, 'var/log'), { recursive: true });
    const row = { id: 'dmesg-boot', category: 'Base', kind: 'file', paths: ['/var/log/dmesg'], output: 'kernel/dmesg.boot', orCommand: ['echo', 'Mar 14 08:00:00 host kernel: Linux version 6.1.0'] };
    const m = await collect({ hostRoot: r6, sources: table([row]) });
    expect(rec(m, 'dmesg-boot')).toMatchObject({ status: 'ok', outputs: ['kernel/dmesg.boot'], reason: 'none of /var/log/dmesg exists: from echo Mar 14 08:00:00 host kernel: Linux version 6.1.0' });
    expect(await readFile(join(dir, `stage-${n}`, 'kernel/dmesg.boot'), 'utf8')).toBe('Mar 14 08:00:00 host kernel: Linux version 6.1.0\n');

    // an AL2 host has the file: it is copied and the command never runs
    await writeFile(join(r6, 'var/log/dmesg'), '[    0.000000] Linux version 5.10.0\n');
    const marker = join(dir, 'or-command-ran');
    const m2 = await collect({ hostRoot: r6, sources: table([{ ...row, orCommand: ['touch', marker] }]) });
    expect(rec(m2, 'dmesg-boot')).toMatchObject({ status: 'ok', outputs: ['kernel/dmesg.boot'] });
    expect(rec(m2, 'dmesg-boot').reason).toBeUndefined();
    expect(await readFile(join(dir, `stage-${n}`, 'kernel/dmesg.boot'), 'utf8')).toBe('[    0.000000] Linux version 5.10.0\n');
    await expect(stat(marker)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  describe('http', () => {
    let srv: Server;
    let base: string;
    beforeAll(async () => {
      srv = createServer((req, res) => {
        if (req.url === '/v1/enis') return void res.end(JSON.stringify({ ENIs: { 'eni-1': { ID: 'eni-1' } }, password: SEEDED_SECRETS.jsonSecret }));
        if (req.url === '/slow') return void setTimeout(() => res.end('late'), 5000);
        res.writeHead(404).end();
      });
      await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
      base = `http://127.0.0.1:${(srv.address() as { port: number }).port}`;
    });
    afterAll(() => new Promise((r) => { srv.closeAllConnections(); srv.close(r); }));

    it('fetches IPAMD-style introspection, redacted; 404, refused and slow endpoints are recorded', async () => {
      const m = await collect({ httpTimeoutMs: 300, sources: table([
        { id: 'enis', category: 'Networking', kind: 'http', url: `${base}/v1/enis`, output: 'ipamd/enis.json' },
        { id: 'gone', category: 'Networking', kind: 'http', url: `${base}/v1/nope`, output: 'ipamd/nope.json' },
        { id: 'refused', category: 'Networking', kind: 'http', url: 'http://127.0.0.1:1/v1/pods', output: 'ipamd/pods.json' },
        { id: 'slow', category: 'Networking', kind: 'http', url: `${base}/slow`, output: 'ipamd/slow.json' },
      ]) });
      const enis = await readFile(join(dir, `stage-${n}`, 'ipamd/enis.json'), 'utf8');
      expect(JSON.parse(enis)).toEqual({ ENIs: { 'eni-1': { ID: 'eni-1' } }, password: '[REDACTED]' });
      expect(rec(m, 'enis')).toMatchObject({ status: 'ok', redactions: 1 });
      expect(rec(m, 'gone')).toMatchObject({ status: 'missing', reason: expect.stringContaining('404') });
      expect(rec(m, 'refused')).toMatchObject({ status: 'missing', reason: expect.stringContaining('nothing listens') });
      expect(rec(m, 'slow')).toMatchObject({ status: 'timeout' });
    });

    it('when IMDS does not answer, every IMDS row is recorded missing after one short wait', async () => {
      const t0 = Date.now();
      const m = await collect({ imdsBaseUrl: 'http://127.0.0.1:1', sources: loadSources().filter((s) => s.kind === 'http' && s.imds) });
      expect(m.sources.length).toBe(4);
      for (const s of m.sources) expect(s).toMatchObject({ status: 'missing', reason: expect.stringContaining('IMDS unavailable') });
      expect(m.instanceId).toBeNull();
      expect(Date.now() - t0).toBeLessThan(3000);
    });

    it('when IMDS accepts the connection but never answers, every IMDS row is recorded missing at the 1.5 s timeout', async () => {
      // port 1 above is refused at once; this one hangs, which only the timeout can end
      const held: Socket[] = [];
      const silent = createTcpServer((sock) => {
        held.push(sock);
        sock.on('error', () => undefined);
      });
      await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
      const port = (silent.address() as { port: number }).port;
      try {
        const t0 = Date.now();
        const m = await collect({ imdsBaseUrl: `http://127.0.0.1:${port}`, sources: loadSources().filter((s) => s.kind === 'http' && s.imds) });
        const took = Date.now() - t0;
        expect(m.sources.length).toBe(4);
        for (const s of m.sources) {
          expect(s).toMatchObject({ status: 'missing', reason: `IMDS unavailable: no answer from http://127.0.0.1:${port}/latest/api/token within 1500 ms` });
        }
        expect(took).toBeGreaterThanOrEqual(1400);
        expect(took).toBeLessThan(2500);
        // one token attempt for the whole collection, not one wait per row
        expect(held.length).toBe(1);
      } finally {
        for (const sock of held) sock.destroy();
        await new Promise((r) => silent.close(r));
      }
    });
  });
});

describe('bad input', () => {
  it('a command that hangs is killed at its timeout and the collection goes on', async () => {
    const t0 = Date.now();
    const m = await collect({ sources: table([
      { id: 'hang', category: 'System', kind: 'command', output: 'system/hang.txt', argv: ['sleep', '60'], timeoutMs: 300 },
      { id: 'after', category: 'System', kind: 'command', output: 'system/after.txt', argv: ['echo', 'still here'] },
    ]) });
    expect(rec(m, 'hang')).toMatchObject({ status: 'timeout', reason: expect.stringContaining('300 ms') });
    expect(rec(m, 'after').status).toBe('ok');
    // the timing is the source's own: the hung one took its 300 ms timeout, the next one far less
    expect(rec(m, 'hang').ms).toBeGreaterThanOrEqual(250);
    expect(rec(m, 'hang').ms).toBeLessThan(5000);
    expect(rec(m, 'after').ms).toBeLessThan(rec(m, 'hang').ms);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('an unreadable file (a FIFO where the log should be, a directory where the config should be) is recorded, not blocking', async () => {
    const r2 = join(dir, 'unreadable-root');
    await mkdir(join(r2, 'etc/kubernetes/kubelet/config.json'), { recursive: true });
    await mkdir(join(r2, 'var/log'), { recursive: true });
    const { execFileSync } = await import('node:child_process');
    execFileSync('mkfifo', [join(r2, 'var/log/messages')]);
    const m = await collect({ hostRoot: r2, sources: loadSources().filter((s) => s.id === 'kubelet-config' || s.id === 'var-log-messages') });
    expect(rec(m, 'kubelet-config')).toMatchObject({ status: 'failed', reason: expect.stringContaining('is not a regular file (directory)') });
    expect(rec(m, 'var-log-messages')).toMatchObject({ status: 'failed', reason: expect.stringContaining('FIFO') });
  });

  it('a log file growing during collection is copied up to the size it had when opened', async () => {
    const r3 = join(dir, 'growing-root');
    await mkdir(join(r3, 'var/log'), { recursive: true });
    const path = join(r3, 'var/log/messages');
    const line = `${'x'.repeat(99)}\n`;
    await writeFile(path, line.repeat(200_000));
    let writing = true;
    const writer = (async () => {
      while (writing) await appendFile(path, 'GROWN\n'.repeat(1000));
    })();
    const m = await collect({ hostRoot: r3, sources: loadSources().filter((s) => s.id === 'var-log-messages') });
    writing = false;
    await writer;
    const copied = await readFile(join(dir, `stage-${n}`, 'var_log/messages'));
    const final = (await stat(path)).size;
    expect(rec(m, 'var-log-messages').status).toBe('ok');
    expect(copied.length).toBe(rec(m, 'var-log-messages').bytes);
    expect(copied.length).toBeLessThan(final);
    expect(copied.length).toBeGreaterThanOrEqual(line.length * 200_000);
    expect((await readFile(path)).subarray(0, copied.length).equals(copied)).toBe(true);
  });

  it('a full disk (free space under the guard) stops collection before any source and says why', async () => {
    const m = await collect({ minFreeBytes: Number.MAX_SAFE_INTEGER, sources: loadSources().filter((s) => s.kind === 'file').slice(0, 5) });
    expect(m.stoppedEarly).toMatchObject({ reason: 'disk-space', detail: expect.stringContaining('free space') });
    expect(m.sources.every((s) => s.status === 'skipped')).toBe(true);
    expect(m.summary.skipped).toBe(5);
  });

  it('an error no source runner expected fails that source only, with its reason, and the collection goes on', async () => {
    const m = await collect({ sources: table([
      { id: 'a', category: 'System', kind: 'command', output: 'x/a.txt', argv: ['echo', 'a'] },
      // a file where this row needs a directory: its output cannot even be opened (mkdir: EEXIST)
      { id: 'b', category: 'System', kind: 'command', output: 'x/a.txt/b.txt', argv: ['echo', 'b'] },
      { id: 'c', category: 'System', kind: 'command', output: 'x/c.txt', argv: ['echo', 'c'] },
    ]) });
    expect(rec(m, 'b')).toMatchObject({ status: 'failed', reason: expect.stringMatching(/^unexpected error: EEXIST: file already exists, mkdir /) });
    expect(rec(m, 'c').status).toBe('ok');
    expect(m.stoppedEarly).toBeNull();
  });

  it('output over the cap is cut at the cap: a command is stopped, a log keeps its newest lines', async () => {
    const r4 = join(dir, 'big-root');
    await mkdir(join(r4, 'var/log'), { recursive: true });
    await writeFile(join(r4, 'var/log/messages'), Array.from({ length: 1000 }, (_, i) => `line ${i}`).join('\n') + '\n');
    const m = await collect({ hostRoot: r4, maxBytes: 1000, sources: table([
      { id: 'var-log-messages', category: 'Base', kind: 'file', from: '/var/log', match: 'messages*', outputDir: 'var_log' },
      { id: 'yes', category: 'System', kind: 'command', output: 'system/yes.txt', argv: ['yes'] },
    ]) });
    expect(rec(m, 'yes')).toMatchObject({ status: 'truncated', bytes: 1000 });
    expect((await stat(join(dir, `stage-${n}`, 'system/yes.txt'))).size).toBe(1000);
    expect(rec(m, 'var-log-messages').status).toBe('truncated');
    const kept = await readFile(join(dir, `stage-${n}`, 'var_log/messages'), 'utf8');
    expect(kept.endsWith('line 999\n')).toBe(true);
    expect(kept.startsWith('line ')).toBe(true);
    expect(kept.length).toBeLessThanOrEqual(1000);
  });

  it('when the collection deadline passes, the remaining sources are skipped with the reason', async () => {
    const m = await collect({ deadlineMs: 400, sources: table([
      { id: 'slow', category: 'System', kind: 'command', output: 'system/slow.txt', argv: ['sleep', '5'] },
      { id: 'next', category: 'System', kind: 'command', output: 'system/next.txt', argv: ['echo', 'x'] },
    ]) });
    expect(rec(m, 'slow').status).toBe('timeout');
    expect(rec(m, 'next')).toMatchObject({ status: 'skipped', reason: expect.stringContaining('deadline') });
    expect(m.stoppedEarly?.reason).toBe('deadline');
  });
});
