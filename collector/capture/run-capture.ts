import { spawn } from 'node:child_process';
import { mkdtemp, open, rm, stat, statfs, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { type ArgvRunner, type CaptureTools, DEFAULT_TOOLS, execArgv, inNetns, MissingToolError } from './exec.js';
import { PcapRecordSplitter } from './pcap-splitter.js';
import { type CaptureTarget, resolveTarget, type ResolvedTarget } from './netns.js';
import { type CaptureLimits, CaptureInputError, checkFilterText, checkInterfaceExists, checkInterfaceName, compileFilter, dltFor, validateLimits } from './validate.js';

export type StoppedBy = 'duration' | 'packets' | 'size' | 'disk' | 'error';

/** One finished chunk: a complete pcap file (header + whole records), handed over in order. */
export interface CaptureChunk {
  index: number;
  path: string;
  bytes: number;
  packets: number;
}

export interface CaptureRequest {
  target: CaptureTarget;
  /** default `any` */
  iface?: string;
  filter?: string;
  limits?: Partial<CaptureLimits>;
  /** awaited one chunk at a time in order; the chunk file is deleted once it resolves */
  onChunk: (chunk: CaptureChunk) => Promise<void>;
  /** aborting stops the capture at once (stoppedBy error, "cancelled") */
  signal?: AbortSignal;
  /** tcpdump is listening: packets sent from now on are captured */
  onStarted?: (info: { target: ResolvedTarget; iface: string }) => void;
}

export interface CaptureRunnerOptions {
  hostRoot?: string;
  tools?: Partial<CaptureTools>;
  /** where chunk files wait for onChunk (default os.tmpdir()); disk pressure is measured here */
  tmpDir?: string;
  run?: ArgvRunner;
  log?: Logger;
}

export interface CaptureResult {
  target: ResolvedTarget;
  iface: string;
  filter: string;
  /** packets written to the chunks (counted from the pcap records) */
  packets: number;
  /** pcap bytes in all chunks, file headers included */
  bytes: number;
  chunks: number;
  stoppedBy: StoppedBy;
  startedAt: string;
  endedAt: string;
  /** tcpdump's own end-of-capture counters, when it printed them */
  tcpdump: { captured?: number; receivedByFilter?: number; droppedByKernel?: number };
  error?: string;
}

const STDERR_TAIL = 8192;
const DISK_CHECK_MS = 1000;
const START_TIMEOUT_MS = 15_000;

async function freeBytes(dir: string): Promise<number> {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
}

/** Same namespace as this process: no nsenter needed (and none possible without CAP_SYS_ADMIN). */
async function isOurNetns(nsPath: string): Promise<boolean> {
  const [a, b] = await Promise.all([stat(nsPath).catch(() => undefined), stat('/proc/self/ns/net').catch(() => undefined)]);
  return !!a && !!b && a.ino === b.ino && a.dev === b.dev;
}

/**
 * Everything a capture checks before tcpdump runs: tools present, limits, interface name, target
 * namespace, interface present there, filter compiled. Any refusal happens here, before capture.
 */
export async function prepareCapture(req: Omit<CaptureRequest, 'onChunk'>, o: CaptureRunnerOptions = {}) {
  const tools = { ...DEFAULT_TOOLS, ...o.tools };
  const run = o.run ?? execArgv;
  const iface = req.iface ?? 'any';
  const filter = req.filter ?? '';
  const limits = validateLimits(req.limits ?? {});
  checkInterfaceName(iface);
  checkFilterText(filter);
  // absent tcpdump is said plainly, before a namespace is entered or a file created
  await run(tools.tcpdump, ['--version'], { timeoutMs: 10_000 });
  const target = await resolveTarget(req.target, o.hostRoot ?? '/');
  const nsPath = (await isOurNetns(target.nsPath)) ? undefined : target.nsPath;
  if (nsPath) await run(tools.nsenter, ['--version'], { timeoutMs: 10_000 });
  const linkType = await checkInterfaceExists(run, tools, nsPath, iface);
  await compileFilter(run, tools, filter, dltFor(linkType));
  return { tools, run, iface, filter, limits, target, nsPath };
}

/**
 * Runs `[nsenter --net=<ns> --] tcpdump -i <if> -nn -U -w - [-c N] -- <filter>` and cuts its pcap
 * stream into chunk files at record boundaries. Stops at the duration, the packet cap (tcpdump -c),
 * the size cap, or when the temp filesystem runs low; each chunk goes to onChunk in order.
 */
export async function runCapture(req: CaptureRequest, o: CaptureRunnerOptions = {}): Promise<CaptureResult> {
  return runPrepared(await prepareCapture(req, o), req, o);
}

export type PreparedCapture = Awaited<ReturnType<typeof prepareCapture>>;

/** runCapture after prepareCapture, for callers that must know the capture is valid before it runs. */
export async function runPrepared(p: PreparedCapture, req: Pick<CaptureRequest, 'onChunk' | 'onStarted' | 'signal'>, o: CaptureRunnerOptions = {}): Promise<CaptureResult> {
  const { limits } = p;
  const dir = await mkdtemp(join(o.tmpDir ?? tmpdir(), 'capture-'));
  try {
    if ((await freeBytes(dir)) < limits.minFreeBytes) {
      throw new CaptureInputError(`not enough free space in ${dir} to capture: less than ${limits.minFreeBytes} bytes free`);
    }
    return await capture(p, req, dir, o.log);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function capture(p: PreparedCapture, req: Pick<CaptureRequest, 'onChunk' | 'onStarted' | 'signal'>, dir: string, log?: Logger): Promise<CaptureResult> {
  const { limits, tools } = p;
  const argv = [tools.tcpdump, '-i', p.iface, '-nn', '-U', '-s', String(limits.snaplen), '-w', '-', ...(limits.maxPackets ? ['-c', String(limits.maxPackets)] : []), ...(p.filter.trim() ? ['--', p.filter] : [])];
  const [file, args] = inNetns(tools, p.nsPath, argv);
  const startedAt = new Date().toISOString();
  log?.info({ target: p.target.description, iface: p.iface, filter: p.filter, durationSeconds: limits.durationSeconds }, 'Starting capture');
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], shell: false });

  let stopReason: StoppedBy | undefined;
  let error: string | undefined;
  const stop = (why: StoppedBy, msg?: string) => {
    if (stopReason) return;
    stopReason = why;
    if (msg) error = msg;
    child.kill('SIGTERM');
  };
  // the PacketCapture was deleted: stop now and hand nothing more over
  if (req.signal?.aborted) stop('error', 'cancelled');
  req.signal?.addEventListener('abort', () => stop('error', 'cancelled'), { once: true });

  let stderr = '';
  let started = false;
  let durationTimer: NodeJS.Timeout | undefined;
  const startTimer = setTimeout(() => stop('error', `tcpdump did not start listening within ${START_TIMEOUT_MS / 1000} s`), START_TIMEOUT_MS);
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => {
    stderr = (stderr + s).slice(-STDERR_TAIL);
    if (!started && /listening on /.test(stderr)) {
      started = true;
      clearTimeout(startTimer);
      durationTimer = setTimeout(() => stop('duration'), limits.durationSeconds * 1000);
      req.onStarted?.({ target: p.target, iface: p.iface });
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; spawnError?: Error }>((resolve) => {
    child.once('error', (e) => resolve({ code: null, signal: null, spawnError: e }));
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  const diskTimer = setInterval(() => {
    freeBytes(dir).then((f) => f < limits.minFreeBytes && stop('disk'), () => undefined);
  }, DISK_CHECK_MS);

  // chunk handling: records are appended to the open chunk; a full chunk is closed and queued
  const splitter = new PcapRecordSplitter();
  let packets = 0;
  let bytes = 0;
  let chunks = 0;
  let cur: { fh: FileHandle; path: string; bytes: number; packets: number; index: number } | undefined;
  let delivery = Promise.resolve();
  const deliver = (c: CaptureChunk) => {
    delivery = delivery.then(async () => {
      if (stopReason === 'error') return;
      await req.onChunk(c);
      await rm(c.path, { force: true });
    }).catch((e: unknown) => stop('error', `chunk ${c.index} could not be handed over: ${e instanceof Error ? e.message : String(e)}`));
  };
  const closeChunk = async () => {
    if (!cur) return;
    const c = cur;
    cur = undefined;
    await c.fh.close();
    deliver({ index: c.index, path: c.path, bytes: c.bytes, packets: c.packets });
  };

  const dropCurrent = async () => {
    if (!cur) return;
    const c = cur;
    cur = undefined;
    await c.fh.close().catch(() => undefined);
    await rm(c.path, { force: true });
    chunks--;
    packets -= c.packets;
    bytes -= c.bytes;
  };
  /** appends whole records, rotating chunks at chunkBytes, refusing past maxBytes or low disk */
  const take = async (records: Buffer[]) => {
    const header = splitter.header!;
    const batch: Buffer[] = [];
    for (const r of records) {
      if (bytes + r.length + (cur ? 0 : header.length) > limits.maxBytes) {
        stop('size');
        break;
      }
      if (cur && cur.bytes + r.length > limits.chunkBytes && cur.packets > 0) {
        await cur.fh.writev(batch.splice(0));
        await closeChunk();
      }
      if (!cur) {
        // every new chunk is a moment to look at the disk, besides the timer
        if ((await freeBytes(dir)) < limits.minFreeBytes) {
          stop('disk');
          break;
        }
        const index = ++chunks;
        const path = join(dir, `chunk-${String(index).padStart(6, '0')}.pcap`);
        cur = { fh: await open(path, 'wx'), path, bytes: header.length, packets: 0, index };
        batch.push(header);
        bytes += header.length;
      }
      batch.push(r);
      cur.bytes += r.length;
      cur.packets++;
      bytes += r.length;
      packets++;
    }
    if (batch.length && cur) await cur.fh.writev(batch);
  };

  try {
    for await (const data of child.stdout as AsyncIterable<Buffer>) {
      if (stopReason && stopReason !== 'duration' && stopReason !== 'packets') continue; // drain, keep nothing more
      let records: Buffer[];
      try {
        records = splitter.push(data);
      } catch (e) {
        stop('error', (e as Error).message);
        continue;
      }
      try {
        await take(records);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
        // the filesystem filled between two checks: the chunk being written is incomplete, drop it
        await dropCurrent();
        stop('disk');
      }
    }
    // no packet at all still makes one (header-only) chunk: "nothing matched" is an answer to keep
    if (chunks === 0 && splitter.header && stopReason !== 'disk') {
      const path = join(dir, 'chunk-000001.pcap');
      cur = { fh: await open(path, 'wx'), path, bytes: splitter.header.length, packets: 0, index: ++chunks };
      await cur.fh.write(splitter.header);
      bytes += splitter.header.length;
    }
    await closeChunk();
    const end = await exited;
    if (end.spawnError) {
      const e = end.spawnError as NodeJS.ErrnoException;
      throw e.code === 'ENOENT' ? new MissingToolError(file, `${file}: not found`) : e;
    }
    await delivery;
    if (!stopReason) {
      const msg = stderr.split('\n').filter((l) => /^tcpdump: |^nsenter: /.test(l) && !/listening on/.test(l)).join('; ');
      if (end.code === 0 && limits.maxPackets && packets >= limits.maxPackets) stopReason = 'packets';
      else stop('error', `tcpdump exited (${end.signal ?? `code ${end.code}`}) before the capture was stopped${msg ? `: ${msg}` : ''}`);
    }
  } finally {
    clearTimeout(startTimer);
    clearTimeout(durationTimer);
    clearInterval(diskTimer);
    if (cur) await cur.fh.close().catch(() => undefined);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  const num = (re: RegExp) => {
    const m = re.exec(stderr);
    return m ? Number(m[1]) : undefined;
  };
  const result: CaptureResult = {
    target: p.target, iface: p.iface, filter: p.filter, packets, bytes, chunks, stoppedBy: stopReason!, startedAt, endedAt: new Date().toISOString(),
    tcpdump: { captured: num(/(\d+) packets? captured/), receivedByFilter: num(/(\d+) packets? received by filter/), droppedByKernel: num(/(\d+) packets? dropped by kernel/) },
    ...(error && { error }),
  };
  log?.info({ packets, bytes, chunks, stoppedBy: result.stoppedBy }, 'Capture finished');
  return result;
}
