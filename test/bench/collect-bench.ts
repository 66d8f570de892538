import { execFileSync, spawnSync } from 'node:child_process';
import { once as onceEvent } from 'node:events';
import { createWriteStream } from 'node:fs';
import { chmod, mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGzip } from 'node:zlib';
import pino from 'pino';
import { writeBundleArchive } from '../../collector/bundle-writer.js';
import { collectNode } from '../../collector/collect.js';
import { loadSources } from '../../collector/sources.js';
import { FAKE_HOST_FILES } from '../fixtures/fake-host-root.js';

/**
 * Collector benchmark (issue 5: a host with ~1 GiB of logs; peak RSS <= 200 MiB). Collection runs in
 * its own process so its peak RSS is its alone; the reference is `tar -czf` of the same host tree.
 * The file rows read the logs; the kubelet journal row runs a stub `journalctl` (through collectNode's
 * toolPath) printing a tenth of the volume, so the command -> pipe -> redactor path is measured too.
 *   node dist/test/bench/collect-bench.js [--size-mib 1024] [--work /tmp/collect-bench]
 * The fake host root is generated once per size and kept in --work.
 */
const args = process.argv.slice(2);
const arg = (k: string, d: string) => (args.includes(k) ? args[args.indexOf(k) + 1]! : d);
const mib = (b: number) => b / 1024 / 1024;
const RSS_BUDGET_MIB = 200;
const JOURNAL_TEXT = 'var/log/journal/bench-kubelet-journal.txt';
// bump when the generated tree changes, so a kept one of an older shape is generated again
const COMPLETE = '.complete-v2';

// shares of the log volume: each file stays under its row's cap, so nothing is truncated
const SHARES: [string, number][] = [
  ['var/log/messages', 0.2],
  // what the stub journalctl prints (the kubelet journal row: journal text, not the binary journal)
  [JOURNAL_TEXT, 0.1],
  ['var/log/aws-routed-eni/ipamd.log', 0.2],
  ['var/log/aws-routed-eni/plugin.log', 0.05],
  ['var/log/pods/kube-system_aws-node-x7k2p_0123/aws-node/0.log', 0.1],
  ['var/log/pods/kube-system_kube-proxy-x7k2p_0456/kube-proxy/0.log', 0.1],
  ['var/log/pods/kube-system_coredns-5d8c7b9f6-x2x9k_0789/coredns/0.log', 0.1],
  ['var/log/cloud-init-output.log', 0.05],
  ['var/log/messages-20240313.gz', 0.1],
];

function line(path: string, i: number): string {
  const t = new Date(Date.UTC(2024, 2, 14, 8, 0, 0) + i * 37).toISOString();
  // one line in 2000 carries a secret, so the redactor's slow path is exercised, not only its prefilter
  if (i % 2000 === 0) return `${t} agent[991]: request with Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.bench${i} and AWS_SECRET_ACCESS_KEY=benchsecret${i}\n`;
  if (path.includes('ipamd')) return `{"level":"info","ts":"${t}","caller":"ipamd/ipamd.go:${600 + (i % 300)}","msg":"IP pool stats: total = 29, used = ${i % 29}, c.maxIPsPerENI = 10"}\n`;
  if (path.includes('/pods/')) return `${t} stdout F [INFO] 10.0.37.${i % 250}:5${i % 9999} - ${i} "A IN svc-${i % 97}.default.svc.cluster.local. udp 44 false 512" NOERROR qr,aa,rd 106 0.000${i % 999}s\n`;
  return `Mar 14 08:${String(Math.floor(i / 60000) % 60).padStart(2, '0')}:${String(Math.floor(i / 1000) % 60).padStart(2, '0')} ip-10-0-37-112 kubelet[3120]: I0314 08:00:00.${String(i % 1e6).padStart(6, '0')}    3120 kubelet.go:2453] "SyncLoop (PLEG): event for pod" pod="default/app-${i % 500}" event={"ID":"8a1b","Type":"ContainerStarted"}\n`;
}

async function writeLog(path: string, bytes: number): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const file = createWriteStream(path);
  const gz = path.endsWith('.gz') ? createGzip({ level: 1 }) : undefined;
  if (gz) gz.pipe(file);
  const out: NodeJS.WritableStream = gz ?? file;
  let n = 0;
  let i = 0;
  while (n < bytes) {
    const parts: string[] = [];
    for (let k = 0; k < 2000; k++) parts.push(line(path, i++));
    const chunk = parts.join('');
    n += chunk.length;
    if (!out.write(chunk)) await onceEvent(out, 'drain');
  }
  out.end();
  await onceEvent(file, 'close');
}

async function generate(root: string, sizeMiB: number): Promise<void> {
  for (const [rel, body] of Object.entries(FAKE_HOST_FILES)) {
    if (SHARES.some(([p]) => p === rel)) continue;
    await mkdir(dirname(join(root, rel)), { recursive: true });
    await writeFile(join(root, rel), body);
  }
  for (const [rel, share] of SHARES) await writeLog(join(root, rel), Math.floor(sizeMiB * 1024 * 1024 * share));
  await writeFile(join(root, COMPLETE), '');
}

/** A `journalctl` that prints the generated journal text whatever its arguments (the row adds the window). */
async function stubJournalctl(root: string, work: string): Promise<string> {
  const bin = join(work, 'bin');
  await mkdir(bin, { recursive: true });
  const text = join(root, JOURNAL_TEXT);
  if (text.includes("'")) throw new Error(`cannot quote ${text}`);
  await writeFile(join(bin, 'journalctl'), `#!/bin/sh\nexec cat '${text}'\n`);
  await chmod(join(bin, 'journalctl'), 0o755);
  return bin;
}

/** Child mode: one collection + archive of `root`, figures on stdout. */
async function once(root: string, out: string, bin: string): Promise<void> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const m = await collectNode({
    hostRoot: root, stagingDir: join(out, 'stage'), node: 'bench', method: 'local', sinceMs: Date.now() - 600_000, exec: { inPod: false },
    log: pino({ level: 'silent' }), imdsBaseUrl: 'http://127.0.0.1:1', minFreeBytes: 64 * 1024 ** 2,
    // the file rows and the kubelet journal (a stub): other commands would measure this machine, not the fake host
    sources: loadSources().filter((s) => s.kind === 'file' || s.id === 'kubelet-journal'), toolPath: [bin],
  });
  const collectMs = performance.now() - t0;
  const collectRssMiB = process.resourceUsage().maxRSS / 1024;
  const { bytes } = await writeBundleArchive(join(out, 'stage'), join(out, 'bundle.tar.gz'), Date.now());
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(`${JSON.stringify({
    ms, collectMs, collectRssMiB, archiveMs: ms - collectMs, cpuMs: (cpu.user + cpu.system) / 1000, maxRssMiB: process.resourceUsage().maxRSS / 1024,
    archiveBytes: bytes, hostBytes: m.sources.reduce((n, s) => n + s.bytes, 0), redactions: m.redactions.reduce((n, r) => n + r.count, 0),
    commandBytes: m.sources.filter((s) => s.kind === 'command').reduce((n, s) => n + s.bytes, 0),
    notOk: m.sources.filter((s) => s.status !== 'ok' && s.status !== 'missing').map((s) => `${s.id}: ${s.status}`),
  })}\n`);
}

async function main(): Promise<void> {
  if (args[0] === '--once') return once(args[1]!, args[2]!, args[3]!);
  const sizeMiB = Number(arg('--size-mib', '1024'));
  const work = resolve(arg('--work', '/tmp/collect-bench'));
  const root = join(work, `host-${sizeMiB}`);
  if (!(await stat(join(root, COMPLETE)).catch(() => undefined))) {
    await rm(root, { recursive: true, force: true });
    process.stderr.write(`generating a fake host root with ${sizeMiB} MiB of logs in ${root}\n`);
    await generate(root, sizeMiB);
  }
  const logBytes = Number(execFileSync('du', ['-sb', join(root, 'var/log')]).toString().split('\t')[0]);
  const bin = await stubJournalctl(root, work);
  const out = join(work, 'out');
  const tarMs = (() => {
    execFileSync('rm', ['-rf', out]);
    execFileSync('mkdir', ['-p', out]);
    const t = performance.now();
    execFileSync('tar', ['-czf', join(out, 'ref.tar.gz'), '-C', root, '.']);
    return performance.now() - t;
  })();
  execFileSync('rm', ['-rf', out]);
  execFileSync('mkdir', ['-p', out]);
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--once', root, out, bin], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`collection failed: ${r.stderr}`);
  const x = JSON.parse(r.stdout) as { ms: number; collectMs: number; archiveMs: number; cpuMs: number; maxRssMiB: number; archiveBytes: number; hostBytes: number; commandBytes: number; redactions: number; notOk: string[] };
  execFileSync('rm', ['-rf', out]);
  const result = {
    host: { logsMiB: +mib(logBytes).toFixed(1), readMiB: +mib(x.hostBytes).toFixed(1), commandMiB: +mib(x.commandBytes).toFixed(1), archiveMiB: +mib(x.archiveBytes).toFixed(1), redactions: x.redactions, notOk: x.notOk },
    collect: {
      wallMs: Math.round(x.ms), collectMs: Math.round(x.collectMs), archiveMs: Math.round(x.archiveMs), cpuMs: Math.round(x.cpuMs),
      tarCzfMs: Math.round(tarMs), ratioVsTar: +(x.ms / tarMs).toFixed(2), peakRssMiB: Math.round(x.maxRssMiB), rssBudgetMiB: RSS_BUDGET_MIB,
    },
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  // a source cut or failed means less volume went through than claimed: the run does not count
  const complete = x.notOk.length === 0 && x.commandBytes > 0;
  const met = result.collect.peakRssMiB <= RSS_BUDGET_MIB && complete;
  process.stdout.write(`collect+archive ${result.collect.ratioVsTar}x tar -czf; ${result.host.commandMiB} MiB of it from a command; peak RSS ${result.collect.peakRssMiB} MiB (budget ${RSS_BUDGET_MIB})${
    complete ? '' : `; incomplete run (${x.notOk.join(', ') || 'no command output'})`}: ${met ? 'MET' : 'MISSED'}\n`);
}

await main();
