import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import picomatch from 'picomatch';
import { HostPathError, openHostFile, walkHostDir } from './host/host-root.js';
import { type HostInterfaces, IFACE_NAME } from './host/interfaces.js';
import { type ExecMode, runCommand } from './host/run-command.js';
import { httpRequest, type ImdsClient } from './http-get.js';
import type { SourceRecord, SourceStatus } from './manifest.js';
import { capStream, dropFirstPartialLine, StagedOutput } from './output.js';
import { RedactStream, redactText } from './redact.js';
import type { CommandSourceSpec, FileSourceSpec, HttpSourceSpec, Source } from './sources.js';

/** What every source runner needs; built once per collection by collect.ts. */
export interface SourceContext {
  hostRoot: string;
  stagingDir: string;
  exec: ExecMode;
  /** directories searched before the host PATH (tests' stub tools; see RunOptions.toolPath) */
  toolPath?: readonly string[];
  window: { sinceMs: number; untilMs: number };
  /** epoch ms after which nothing new starts and running work is cut */
  deadline: number;
  now: () => number;
  commandTimeoutMs: number;
  httpTimeoutMs: number;
  maxBytes: number;
  imds: ImdsClient;
  interfaces: () => Promise<HostInterfaces>;
  /** redactions per bundle path, summed over sources */
  redactions: Map<string, number>;
}

/** A source's record; `diskFull` (never written to the manifest) tells collect.ts to stop the collection. */
export type Outcome = Omit<SourceRecord, 'id' | 'category' | 'kind' | 'ms'> & { diskFull?: true };

/** The staging filesystem (or the collector's quota on it) is full: nothing after this can be written either. */
export const isDiskFull = (code: string | undefined): boolean => code === 'ENOSPC' || code === 'EDQUOT';
const diskFullReason = (code: string, what: string, wrote = true) =>
  `the staging disk is full (${code}) while ${wrote ? 'writing' : 'creating'} ${what}${wrote ? ': the partial copy was removed to leave room for the collector manifest' : ''}`;

const RANK: Record<SourceStatus, number> = { ok: 0, skipped: 1, missing: 2, truncated: 3, failed: 4, timeout: 5 };

export async function runSource(s: Source, ctx: SourceContext): Promise<Outcome> {
  if (s.kind === 'file') return runFileSource(s, ctx);
  if (s.kind === 'command') return runCommandSource(s, ctx);
  return runHttpSource(s, ctx);
}

function countRedactions(ctx: SourceContext, rel: string, n: number): void {
  if (n > 0) ctx.redactions.set(rel, (ctx.redactions.get(rel) ?? 0) + n);
}

const remaining = (ctx: SourceContext) => Math.max(1, ctx.deadline - ctx.now());

// ---------------------------------------------------------------- file

async function runFileSource(s: FileSourceSpec, ctx: SourceContext): Promise<Outcome> {
  const max = s.maxBytes ?? ctx.maxBytes;
  if (s.paths) {
    for (const p of s.paths) {
      const { exists, ...r } = await copyHostFile(ctx, p, s.output!, max);
      if (r.status === 'missing' && r.bytes === 0 && !exists) continue;
      return r;
    }
    const none = `none of ${s.paths.join(', ')} exists`;
    if (s.orCommand) {
      // the same content from another place (AL2023 and Bottlerocket keep no /var/log/dmesg: the journal has it)
      const r = await runCommandSource({ id: s.id, category: s.category, kind: 'command', argv: s.orCommand, output: s.output!, ...(s.maxBytes ? { maxBytes: s.maxBytes } : {}) }, ctx);
      return { ...r, reason: `${none}: from ${s.orCommand.join(' ')}${r.reason ? `; ${r.reason}` : ''}` };
    }
    return { status: 'missing', reason: none, outputs: [], bytes: 0, redactions: 0 };
  }
  let listing;
  try {
    listing = await walkHostDir(ctx.hostRoot, s.from!, { maxFiles: 2000, maxDepth: 6 });
  } catch (err) {
    if (err instanceof HostPathError) return { status: err.kind === 'missing' ? 'missing' : 'failed', reason: err.message, outputs: [], bytes: 0, redactions: 0 };
    throw err;
  }
  const isMatch = picomatch(s.match!, { dot: true });
  const files = listing.files.filter((f) => isMatch(f.rel));
  // a subdirectory we could not list may hold matching files: say which, whatever else was found
  const unlisted = listing.unreadable.filter((d) => mayHoldMatches(s.match!, d.rel)).map((d) => `${d.hostPath}: ${d.code === 'EACCES' || d.code === 'EPERM' ? 'permission denied' : d.code} (directory not listed)`);
  if (files.length === 0) {
    if (unlisted.length) return { status: 'failed', reason: summarize([`no readable file under ${s.from} matches ${s.match}`, ...unlisted]), outputs: [], bytes: 0, redactions: 0 };
    return { status: 'missing', reason: `no file under ${s.from} matches ${s.match}`, outputs: [], bytes: 0, redactions: 0 };
  }
  const out: Outcome = { status: 'ok', outputs: [], bytes: 0, redactions: 0 };
  const problems: string[] = [];
  for (const u of unlisted) worsen(out, 'failed', problems, u);
  for (const f of files) {
    if (ctx.now() >= ctx.deadline) {
      worsen(out, 'timeout', problems, `collection deadline reached after ${out.outputs.length} of ${files.length} files`);
      break;
    }
    const rel = `${s.outputDir}/${f.rel.split('/').map(safeName).join('/')}`;
    const r = await copyHostFile(ctx, f.hostPath, rel, max);
    out.outputs.push(...r.outputs);
    out.bytes += r.bytes;
    out.redactions += r.redactions;
    if (r.status !== 'ok') worsen(out, r.status, problems, r.reason ?? r.status);
    if (r.diskFull) {
      out.diskFull = true;
      break;
    }
  }
  if (listing.capped) problems.push(`only the first ${listing.files.length} files were listed`);
  if (problems.length) out.reason = summarize(problems);
  return out;
}

/**
 * Whether files under directory `relDir` could match `glob`: each directory segment against the
 * glob's segment at that depth, `**` matching any depth. `var_log/messages*` must not report an
 * unreadable /var/log/pods/x it would never have read.
 */
function mayHoldMatches(glob: string, relDir: string): boolean {
  // a brace or extglob spanning '/' would split wrongly: be conservative
  if (/[{(][^})]*\//.test(glob)) return true;
  const p = glob.split('/');
  const d = relDir.split('/');
  for (let i = 0; i < d.length; i++) {
    const seg = p[i];
    if (seg === undefined) return false;
    if (seg.includes('**')) return true;
    if (!picomatch.isMatch(d[i]!, seg, { dot: true })) return false;
  }
  return p.length > d.length;
}

const summarize = (problems: string[]) => problems.slice(0, 5).join('; ') + (problems.length > 5 ? `; and ${problems.length - 5} more` : '');

function worsen(out: Outcome, st: SourceStatus, problems: string[], why: string): void {
  if (RANK[st] > RANK[out.status]) out.status = st;
  problems.push(why);
}

const safeName = (n: string) => n.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+$/, '_');

/**
 * Copies one host file through the redactor. A growing log is copied up to the size it had when
 * opened (a consistent cut, and no chasing a file written faster than we read); over `max` bytes the
 * newest `max` bytes are kept, from a line start. Rotated `.gz` logs are decompressed, redacted
 * and compressed again: redaction must see the text.
 */
async function copyHostFile(ctx: SourceContext, hostPath: string, rel: string, max: number): Promise<Outcome & { exists?: boolean }> {
  let opened;
  try {
    opened = await openHostFile(ctx.hostRoot, hostPath);
  } catch (err) {
    if (!(err instanceof HostPathError)) throw err;
    return { status: err.kind === 'missing' ? 'missing' : 'failed', reason: err.message, outputs: [], bytes: 0, redactions: 0, exists: err.kind !== 'missing' };
  }
  const { fh, size } = opened;
  let out: StagedOutput;
  try {
    out = await StagedOutput.open(ctx.stagingDir, rel);
  } catch (err) {
    await fh.close().catch(() => undefined);
    const code = (err as NodeJS.ErrnoException).code;
    if (isDiskFull(code)) return { status: 'failed', reason: diskFullReason(code!, rel, false), outputs: [], bytes: 0, redactions: 0, diskFull: true };
    throw err;
  }
  const red = new RedactStream();
  let capped = false;
  const signal = AbortSignal.timeout(remaining(ctx));
  try {
    const magic = Buffer.alloc(2);
    await fh.read(magic, 0, 2, 0);
    const gz = size > 2 && magic[0] === 0x1f && magic[1] === 0x8b;
    let bytes: number;
    if (gz || size === 0) {
      // a gzip member, or a pseudo-file (/proc, /sys) whose size reads as 0: read to its end, capped
      const cap = capStream(max, () => (capped = true));
      const src = fh.createReadStream({ start: 0, autoClose: false, ...(gz ? { end: size - 1 } : {}) });
      await pipeline(gz ? [src, createGunzip(), cap, red, createGzip(), out.stream] : [src, cap, red, out.stream], { signal });
      bytes = cap.bytes;
    } else {
      const start = size > max ? size - max : 0;
      capped = start > 0;
      const src = fh.createReadStream({ start, end: size - 1, autoClose: false });
      await pipeline(start > 0 ? [src, dropFirstPartialLine(), red, out.stream] : [src, red, out.stream], { signal });
      bytes = size - start;
    }
    countRedactions(ctx, rel, red.count);
    return capped
      ? { status: 'truncated', reason: `${hostPath} is larger than ${max} bytes: ${gz ? 'the first' : 'the last'} ${max} kept`, outputs: [rel], bytes, redactions: red.count }
      : { status: 'ok', outputs: [rel], bytes, redactions: red.count };
  } catch (err) {
    await out.close();
    const e = err as NodeJS.ErrnoException;
    if (isDiskFull(e.code)) {
      await out.discard();
      return { status: 'failed', reason: `${diskFullReason(e.code!, rel)} (from ${hostPath})`, outputs: [], bytes: 0, redactions: 0, diskFull: true };
    }
    countRedactions(ctx, rel, red.count);
    if (e.name === 'AbortError' || e.name === 'TimeoutError') return { status: 'timeout', reason: `copying ${hostPath} hit the collection deadline`, outputs: [rel], bytes: 0, redactions: red.count };
    if (e.code === 'Z_DATA_ERROR' || e.code === 'Z_BUF_ERROR') return { status: 'failed', reason: `${hostPath} is not a valid gzip file`, outputs: [rel], bytes: 0, redactions: red.count };
    if (e.code === 'EACCES' || e.code === 'EPERM' || e.code === 'EIO' || e.code === 'EINVAL') return { status: 'failed', reason: `${hostPath}: ${e.code}`, outputs: [rel], bytes: 0, redactions: red.count };
    throw err;
  } finally {
    await fh.close().catch(() => undefined);
  }
}

// ---------------------------------------------------------------- command

async function runCommandSource(s: CommandSourceSpec, ctx: SourceContext): Promise<Outcome> {
  const out: Outcome = { status: 'ok', outputs: [], bytes: 0, redactions: 0 };
  const problems: string[] = [];
  let ifaces: (string | undefined)[] = [undefined];
  if (s.perInterface) {
    const found = await ctx.interfaces();
    // a name unsafe in an argv never runs; saying so keeps an odd interface from vanishing unseen
    for (const bad of found.refused) problems.push(refusedIface(bad));
    if (found.omitted > 0) problems.push(`only the first ${found.names.length} interfaces were collected, ${found.omitted} more left out`);
    ifaces = found.names;
    if (ifaces.length === 0) {
      if (found.refused.length === 0) return { status: 'missing', reason: 'no physical network interface found', outputs: [], bytes: 0, redactions: 0 };
      return { status: 'skipped', reason: problems.slice(0, 5).join('; '), outputs: [], bytes: 0, redactions: 0 };
    }
  }
  for (const iface of ifaces) {
    if (iface !== undefined && !IFACE_NAME.test(iface)) {
      problems.push(refusedIface(iface));
      continue;
    }
    const sub = (a: string) => (iface === undefined ? a : a.replaceAll('{iface}', iface));
    const argv = s.argv.map(sub);
    if (s.journal) argv.push('--since', `@${Math.floor(ctx.window.sinceMs / 1000)}`, '--until', `@${Math.ceil(ctx.window.untilMs / 1000)}`);
    const rel = sub(s.output);
    let file: StagedOutput;
    try {
      file = await StagedOutput.open(ctx.stagingDir, rel, s.header);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (!isDiskFull(code)) throw err;
      worsen(out, 'failed', problems, diskFullReason(code!, rel, false));
      out.diskFull = true;
      break;
    }
    const red = new RedactStream();
    const r = await runCommand(argv, file.stream, {
      ...ctx.exec, through: [red], toolPath: ctx.toolPath,
      timeoutMs: Math.min(s.timeoutMs ?? ctx.commandTimeoutMs, remaining(ctx)),
      maxBytes: s.maxBytes ?? ctx.maxBytes,
    });
    if (isDiskFull(r.sinkError)) {
      await file.discard();
      worsen(out, 'failed', problems, `${diskFullReason(r.sinkError!, rel)} (output of ${argv[0]})`);
      out.diskFull = true;
      break;
    }
    const dropped = await file.dropIfNothing(r.bytes);
    if (!dropped) out.outputs.push(rel);
    countRedactions(ctx, rel, red.count);
    out.bytes += r.bytes;
    out.redactions += red.count;
    if (r.status !== 'ok') {
      // stderr can echo an argument or config line: it goes through the redactor too
      const why = redactText(r.reason ?? r.status).text;
      worsen(out, r.status, problems, iface ? `${iface}: ${why}` : why);
    }
  }
  if (problems.length) out.reason = problems.slice(0, 5).join('; ');
  return out;
}

// JSON quoting shows a newline or a `$(…)` in the name as text, never as a line of the manifest
const refusedIface = (name: string) => `interface ${JSON.stringify(name.slice(0, 40))} skipped: not a safe interface name`;

// ---------------------------------------------------------------- http

async function runHttpSource(s: HttpSourceSpec, ctx: SourceContext): Promise<Outcome> {
  const t0 = ctx.now();
  const ownMs = s.timeoutMs ?? ctx.httpTimeoutMs;
  const timeoutMs = Math.min(ownMs, remaining(ctx));
  const res = s.imds ? await ctx.imds.get(s.url) : await httpRequest(s.url, { timeoutMs });
  if (!res.ok) return { status: res.status, reason: res.reason, outputs: [], bytes: 0, redactions: 0 };
  let out: StagedOutput;
  try {
    out = await StagedOutput.open(ctx.stagingDir, s.output);
  } catch (err) {
    (res.body as Readable).destroy();
    const code = (err as NodeJS.ErrnoException).code;
    if (isDiskFull(code)) return { status: 'failed', reason: diskFullReason(code!, s.output, false), outputs: [], bytes: 0, redactions: 0, diskFull: true };
    throw err;
  }
  const red = new RedactStream();
  let capped = false;
  const cap = capStream(s.maxBytes ?? ctx.maxBytes, () => (capped = true));
  // the source's timeout covers the whole request, body included: a server that sent its headers and
  // then trickles (one byte a second) would otherwise hold the collection until its deadline
  const bodyMs = Math.max(1, Math.min(t0 + ownMs - ctx.now(), remaining(ctx)));
  const ownLimit = bodyMs < remaining(ctx);
  try {
    await pipeline([res.body as Readable, cap, red, out.stream], { signal: AbortSignal.timeout(bodyMs) });
  } catch (err) {
    await out.close();
    const e = err as NodeJS.ErrnoException;
    if (isDiskFull(e.code)) {
      await out.discard();
      return { status: 'failed', reason: diskFullReason(e.code!, s.output), outputs: [], bytes: 0, redactions: 0, diskFull: true };
    }
    if (e.name === 'AbortError' || e.name === 'TimeoutError') {
      const why = ownLimit ? `not read whole within its ${ownMs} ms timeout` : 'hit the collection deadline';
      return { status: 'timeout', reason: `reading ${s.imds ? 'IMDS' : s.url} ${why}`, outputs: [s.output], bytes: cap.bytes, redactions: red.count };
    }
    return { status: 'failed', reason: `reading ${s.imds ? 'IMDS' : s.url}: ${e.message}`, outputs: [s.output], bytes: cap.bytes, redactions: red.count };
  }
  countRedactions(ctx, s.output, red.count);
  return capped
    ? { status: 'truncated', reason: `response cut at ${s.maxBytes ?? ctx.maxBytes} bytes`, outputs: [s.output], bytes: cap.bytes, redactions: red.count }
    : { status: 'ok', outputs: [s.output], bytes: cap.bytes, redactions: red.count };
}
