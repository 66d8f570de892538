import { Transform, type TransformCallback } from 'node:stream';

/**
 * Redaction of secrets before any byte enters a bundle (DESIGN.md §8). Line based: a secret never
 * spans lines in the texts we collect (PEM blocks, the one multi-line secret, are tracked by state).
 * Text is handled as latin1 so every byte maps to one char and back unchanged; the patterns are ASCII.
 */

const MARK = '[REDACTED]';
// A chunk without any of these words holds no secret our rules look for: it passes through untouched,
// which keeps the common case (1 GiB of kubelet log) at memcpy speed.
const TRIGGER = /bearer|token|secret|passw|pwd|key|credential|private|AKIA|ASIA|ABIA|ACCA|-----BEGIN/i;

// names whose value is a secret in key: value / "key": "value" / key=value texts
const SECRET_NAME = String.raw`[A-Za-z0-9_.-]*(?:password|passwd|secret|token|credential|client-key-data|private[_-]?key|api[_-]?key|access[_-]?key|session[_-]?key)[A-Za-z0-9_.-]*`;
const VALUE = String.raw`("(?:[^"\\]|\\.)*"|'[^']*'|[^\s"',;}\u0000]+)`;

const RULES: { re: RegExp; fn: (m: string, ...g: string[]) => string }[] = [
  // a PEM private key held on one line (JSON-escaped newlines)
  { re: /-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----/g, fn: () => `-----BEGIN PRIVATE KEY-----${MARK}-----END PRIVATE KEY-----` },
  { re: /\b(bearer)(\s+)(?!\[REDACTED)[A-Za-z0-9._~+/=-]{8,}/gi, fn: (_m, b, s) => `${b}${s}${MARK}` },
  { re: /\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b/g, fn: () => MARK },
  // YAML (kubeconfig `token:`, `client-key-data:`, `password:`): the key opens the line
  { re: new RegExp(String.raw`^(\s*-?\s*)(["']?)(${SECRET_NAME})\2(\s*:\s*)${VALUE}`, 'i'), fn: (_m, pre, q, name, sep, v) => keep(v) ? _m : `${pre}${q}${name}${q}${sep}${MARK}` },
  // JSON "name": "value" anywhere on the line (container info, IPAMD, docker config)
  { re: new RegExp(String.raw`"(${SECRET_NAME})"(\s*:\s*)("(?:[^"\\]|\\.)*")`, 'gi'), fn: (m, name, sep, v) => keep(v) ? m : `"${name}"${sep}"${MARK}"` },
  // environment and ini style: FOO_TOKEN=…, aws_secret_access_key = …, --token=…
  { re: new RegExp(String.raw`(^|[\s,;{(\u0000"'])(-{0,2}${SECRET_NAME})(\s*=\s*)${VALUE}`, 'gi'), fn: (m, pre, name, sep, v) => keep(v) ? m : `${pre}${name}${sep}${MARK}` },
  // process environments in ps/ctr output: upper-case names holding KEY/AUTH too (API_KEY=, BASIC_AUTH=)
  { re: new RegExp(String.raw`(^|[\s,;{(\u0000"'])([A-Z][A-Z0-9_]*(?:KEY|AUTH)[A-Z0-9_]*)=${VALUE}`, 'g'), fn: (m, pre, name, v) => keep(v) ? m : `${pre}${name}=${MARK}` },
];

/** Values that are not secrets themselves: file paths, empty, or already redacted. */
function keep(v: string): boolean {
  const bare = v.replace(/^["']|["']$/g, '');
  // sysctl's net.ipv4.ipfrag_secret_interval = 0 and friends: a bare number is a setting, not a secret
  return bare === '' || /^\d{1,12}$/.test(bare) || bare.startsWith('/') || bare.startsWith(MARK) || bare.startsWith('$(') || bare === 'null' || bare === 'true' || bare === 'false';
}

export interface LineState {
  inPem: boolean;
}

/** Redacts one line (no newline); returns the new text and how many secrets it replaced. */
export function redactLine(line: string, state: LineState = { inPem: false }): { text: string; count: number } {
  if (state.inPem) {
    if (/-----END [A-Z ]*PRIVATE KEY-----/.test(line)) state.inPem = false;
    return { text: /-----END/.test(line) ? line : MARK, count: 0 };
  }
  if (!TRIGGER.test(line)) return { text: line, count: 0 };
  let count = 0;
  let text = line;
  for (const r of RULES) {
    text = text.replace(r.re, (...args: unknown[]) => {
      const m = args[0] as string;
      const out = r.fn(m, ...(args.slice(1, -2) as string[]));
      if (out !== m) count++;
      return out;
    });
  }
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----\s*$/.test(text)) {
    state.inPem = true;
    count++;
  }
  return { text, count };
}

/** Redacts a whole text (tests, small bodies). */
export function redactText(text: string): { text: string; count: number } {
  const state: LineState = { inPem: false };
  let count = 0;
  const out = text.split('\n').map((l) => {
    const r = redactLine(l, state);
    count += r.count;
    return r.text;
  });
  return { text: out.join('\n'), count };
}

/** A line longer than this is redacted in pieces (a secret cut in two there could survive). */
const MAX_CARRY = 1 << 20;
const NL = 0x0a;

/**
 * The streaming redactor: whole lines go through redactLine; an incomplete last line waits for the
 * next chunk, so a secret split across chunk boundaries is still found. `count` is read at the end.
 */
export class RedactStream extends Transform {
  count = 0;
  private carry: Buffer = Buffer.alloc(0);
  private readonly state: LineState = { inPem: false };

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    const buf = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    let end = buf.lastIndexOf(NL) + 1;
    if (end === 0 && buf.length > MAX_CARRY) end = buf.length;
    this.carry = Buffer.from(buf.subarray(end));
    if (end > 0) this.push(this.redact(buf.subarray(0, end)));
    cb();
  }

  override _flush(cb: TransformCallback): void {
    if (this.carry.length) this.push(this.redact(this.carry));
    this.carry = Buffer.alloc(0);
    cb();
  }

  private redact(buf: Buffer): Buffer {
    const s = buf.toString('latin1');
    if (!this.state.inPem && !TRIGGER.test(s)) return buf;
    const lines = s.split('\n');
    let changed = false;
    for (let i = 0; i < lines.length; i++) {
      const r = redactLine(lines[i]!, this.state);
      if (r.text !== lines[i]) {
        lines[i] = r.text;
        changed = true;
      }
      this.count += r.count;
    }
    return changed ? Buffer.from(lines.join('\n'), 'latin1') : buf;
  }
}
