import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { ManifestFile } from '../bundle/manifest.js';
import type { BundleStore } from '../store/bundle-store.js';
import { ReadError, resolveFile } from './bundle-file.js';
import { type BundleRef, loadLineIndex } from './bundle-ref.js';

export { ReadError, resolveFile } from './bundle-file.js';

/** Caps of one read (DESIGN.md §11: a read is O(range), never O(file), and never unbounded). */
export const READ_DEFAULT_BYTES = 64 * 1024;
export const READ_MAX_BYTES = 1 << 20;
export const MAX_LINE_CHARS = 4096;
/** how far back a byte read looks for the start of the line it lands in */
const BACK_LIMIT = 64 * 1024;
/** a byte read counts lines from the nearest index point only when it is this close (else line: null) */
const COUNT_LIMIT = 2 << 20;
/** a line is kept up to this many bytes: enough for MAX_LINE_CHARS of any UTF-8 */
const LINE_KEEP_BYTES = MAX_LINE_CHARS * 4;
const FETCH = 1 << 20;

export interface ReadLine {
  /** 1-based line number; null when a byte read could not place it (no index point nearby) */
  line: number | null;
  text: string;
  /** the line was longer than MAX_LINE_CHARS and is cut */
  cut: boolean;
}

export interface ReadResult {
  path: string;
  kind: ManifestFile['kind'];
  fileBytes: number;
  fileLines: number | null;
  startLine: number | null;
  endLine: number | null;
  /** byte range actually returned, [startByte, endByte); for gzip-text, offsets in the decompressed text */
  startByte: number;
  endByte: number;
  lines: ReadLine[];
  returnedBytes: number;
  maxBytes: number;
  maxBytesClamped: boolean;
  /** the byte cap cut the requested range short */
  truncated: boolean;
  linesCut: number;
  next: { line_start?: number; byte_start?: number } | null;
  notes: string[];
}

export const clampMaxBytes = (n: number | undefined) => {
  const v = n === undefined ? READ_DEFAULT_BYTES : Math.max(1, Math.floor(n));
  return { maxBytes: Math.min(v, READ_MAX_BYTES), clamped: v > READ_MAX_BYTES };
};

/** bytes [start, end) of a key, in FETCH-sized range requests: a consumer that stops early fetches no more */
async function* rangeChunks(store: BundleStore, key: string, start: number, end: number): AsyncGenerator<Buffer> {
  for (let pos = start; pos < end; pos = Math.min(end, pos + FETCH)) {
    for await (const c of await store.getRange(key, pos, Math.min(end, pos + FETCH))) yield c as Buffer;
  }
}

async function fetchBytes(store: BundleStore, key: string, start: number, end: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of rangeChunks(store, key, start, end)) parts.push(c);
  return Buffer.concat(parts);
}

function toLine(buf: Buffer, line: number | null, over: boolean): ReadLine {
  let text = buf.toString('utf8');
  if (text.endsWith('\r')) text = text.slice(0, -1);
  const cut = over || text.length > MAX_LINE_CHARS;
  return { line, text: cut ? text.slice(0, MAX_LINE_CHARS) : text, cut };
}

export interface LineReadOptions {
  /** 1-based, inclusive; negative counts from the end (-1 = last line); default 1 */
  startLine?: number;
  /** 1-based, inclusive; negative counts from the end; default: as far as maxBytes allows */
  endLine?: number;
  maxBytes?: number;
}

/**
 * Lines [startLine, endLine] of a text file. Seeks with the line index (largest indexed line <=
 * startLine) and streams forward from there in range requests, so the cost is at most one index
 * stride (~256 KiB; ~1 MiB in older bundles) plus the range. gzip-text members have no byte-addressable index (their offsets
 * are in the decompressed text), so they are decompressed from the start: O(file) for those.
 */
export async function readLines(store: BundleStore, ref: BundleRef, path: string, opts: LineReadOptions): Promise<ReadResult> {
  const f = resolveFile(ref, path);
  const { maxBytes, clamped } = clampMaxBytes(opts.maxBytes);
  const total = f.lines;
  const resolve = (n: number, name: string) => {
    if (!Number.isInteger(n) || n === 0) throw new ReadError(`${name} must be a non-zero integer: lines start at 1, and -1 is the last line`);
    if (n > 0) return n;
    if (total === null) throw new ReadError(`${path} has no known line count, so negative ${name} cannot be resolved: give a positive line number`);
    return Math.max(1, total + 1 + n);
  };
  const start = resolve(opts.startLine ?? 1, 'line_start');
  let end = opts.endLine === undefined ? Infinity : resolve(opts.endLine, 'line_end');
  if (total !== null && start > total) {
    throw new ReadError(`${path} has ${total} line(s): ask for line_start <= ${total}, or line_start -50 for the last 50 lines`);
  }
  if (end < start) throw new ReadError(`line_end (${end}) is before line_start (${start}): swap them`);
  if (total !== null) end = Math.min(end, total);

  const key = ref.keys.file(path);
  let line = 1;
  let offset = 0;
  let src: AsyncIterable<Buffer>;
  if (f.kind === 'gzip-text') {
    const gz = createGunzip();
    pipeline(await store.get(key), gz, () => undefined); // errors surface through the iteration of gz
    src = gz;
  } else {
    const idx = (await loadLineIndex(store, ref))[path] ?? [[1, 0]];
    let lo = 0;
    let hi = idx.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (idx[mid]![0] <= start) lo = mid;
      else hi = mid - 1;
    }
    [line, offset] = idx[lo] ?? [1, 0];
    src = rangeChunks(store, key, offset, f.size);
  }

  const out: ReadLine[] = [];
  const r = { startByte: -1, returned: 0, truncated: false, more: false, lineEnd: offset };
  let acc: Buffer[] = [];
  let accLen = 0;
  let over = false;
  let pos = offset; // file offset of the current chunk
  /** closes the current line; false when the read is complete */
  const finish = (endOff: number): boolean => {
    const l = toLine(Buffer.concat(acc, Math.min(accLen, LINE_KEEP_BYTES)), line, over);
    acc = [];
    accLen = 0;
    over = false;
    const bytes = Buffer.byteLength(l.text) + 1;
    if (out.length > 0 && r.returned + bytes > maxBytes) {
      r.truncated = r.more = true;
      return false;
    }
    out.push(l);
    r.returned += bytes;
    r.lineEnd = endOff;
    line++;
    if (line > end) {
      r.more = total === null || line <= total;
      return false;
    }
    return true;
  };
  reading: for await (const buf of src) {
    let p = 0;
    while (p < buf.length) {
      const nl = buf.indexOf(10, p);
      if (line < start) {
        // skipping to startLine: count newlines, keep nothing
        if (nl < 0) break;
        line++;
        p = nl + 1;
        continue;
      }
      if (r.startByte < 0) r.startByte = pos + p;
      const e = nl < 0 ? buf.length : nl;
      if (accLen < LINE_KEEP_BYTES) acc.push(buf.subarray(p, Math.min(e, p + LINE_KEEP_BYTES - accLen)));
      if (e - p > LINE_KEEP_BYTES - accLen) over = true;
      accLen = Math.min(LINE_KEEP_BYTES, accLen + e - p);
      if (nl < 0) break;
      p = nl + 1;
      if (!finish(pos + p)) break reading;
    }
    pos += buf.length;
  }
  if (line >= start && line <= end && (accLen > 0 || over) && !r.truncated) finish(pos); // unterminated last line
  if (line < start) throw new ReadError(`${path} has ${line - 1} line(s): ask for line_start <= ${line - 1}`);
  const first = out.length ? start : null;
  return {
    path, kind: f.kind, fileBytes: f.uncompressedSize ?? f.size, fileLines: total,
    startLine: first, endLine: first === null ? null : start + out.length - 1,
    startByte: Math.max(r.startByte, offset), endByte: r.lineEnd,
    lines: out, returnedBytes: r.returned, maxBytes, maxBytesClamped: clamped, truncated: r.truncated,
    linesCut: out.filter((l) => l.cut).length,
    next: r.more ? { line_start: start + out.length } : null,
    notes: [
      ...(clamped ? [`max_bytes clamped to ${READ_MAX_BYTES}`] : []),
      ...(f.kind === 'gzip-text' ? ['gzip-compressed member: decompressed from its start; byte offsets are in the decompressed text'] : []),
    ],
  };
}

/**
 * Up to `length` bytes from `start`, aligned to whole lines: the start moves back to the beginning
 * of its line (at most 64 KiB back) and the end is cut after the last complete line. Line numbers
 * are given when an index point lies within 2 MiB before the range (counting from it is cheap).
 */
export async function readBytes(store: BundleStore, ref: BundleRef, path: string, opts: { start: number; length?: number }): Promise<ReadResult> {
  const f = resolveFile(ref, path);
  if (f.kind === 'gzip-text') throw new ReadError(`${path} is stored gzip-compressed, so byte offsets do not address its text: read it by line_start/line_end`);
  const { maxBytes, clamped } = clampMaxBytes(opts.length);
  const { start } = opts;
  if (!Number.isInteger(start) || start < 0) throw new ReadError('byte_start must be a non-negative integer');
  if (start >= f.size) throw new ReadError(`${path} is ${f.size} bytes: byte_start must be below ${f.size}`);
  const key = ref.keys.file(path);
  const notes = clamped ? [`max_bytes clamped to ${READ_MAX_BYTES}`] : [];

  let from = start;
  if (start > 0) {
    const back = Math.min(BACK_LIMIT, start);
    const pre = await fetchBytes(store, key, start - back, start);
    const nl = pre.lastIndexOf(10);
    const lineStart = nl >= 0 ? start - back + nl + 1 : start === back ? 0 : -1;
    if (lineStart >= 0 && lineStart + maxBytes > start) from = lineStart;
    else notes.push('byte_start is inside a line whose start is too far back: the first line is partial');
  }
  const to = Math.min(f.size, from + maxBytes);
  let buf = await fetchBytes(store, key, from, to);
  let endsMidLine = false;
  if (to < f.size) {
    const nl = buf.lastIndexOf(10);
    if (nl >= 0 && from + nl + 1 > start) buf = buf.subarray(0, nl + 1);
    else endsMidLine = true;
  }
  if (endsMidLine) notes.push('the line at byte_start is longer than max_bytes: the last line is partial');

  let first: number | null = null;
  const idx = (await loadLineIndex(store, ref))[path] ?? [[1, 0]];
  const point = idx.filter(([, o]) => o <= from).pop();
  if (point && from - point[1] <= COUNT_LIMIT) {
    // a partial first line starts mid-line: its number is still that of the line it lies in
    let n = point[0];
    for await (const c of rangeChunks(store, key, point[1], from)) for (let p = c.indexOf(10); p >= 0; p = c.indexOf(10, p + 1)) n++;
    first = n;
  }
  const lines: ReadLine[] = [];
  let returned = 0;
  for (let p = 0, i = 0; p < buf.length; i++) {
    const nl = buf.indexOf(10, p);
    const e = nl < 0 ? buf.length : nl;
    const l = toLine(buf.subarray(p, Math.min(e, p + LINE_KEEP_BYTES)), first === null ? null : first + i, e - p > LINE_KEEP_BYTES);
    lines.push(l);
    returned += Buffer.byteLength(l.text) + 1;
    p = e + 1;
  }
  const endByte = from + buf.length;
  const wanted = Math.min(f.size, start + (opts.length ?? READ_DEFAULT_BYTES));
  const endLine = first === null || lines.length === 0 ? null : first + lines.length - 1;
  return {
    path, kind: f.kind, fileBytes: f.size, fileLines: f.lines, startLine: lines.length ? first : null, endLine,
    startByte: from, endByte, lines, returnedBytes: returned, maxBytes, maxBytesClamped: clamped,
    truncated: endByte < wanted, linesCut: lines.filter((l) => l.cut).length,
    next: endByte < f.size ? { byte_start: endByte, ...(endLine !== null && !endsMidLine ? { line_start: endLine + 1 } : {}) } : null,
    notes,
  };
}
