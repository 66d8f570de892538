import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

/**
 * Every parser takes its file as an async line iterator, never as a string with a size cap:
 * DESIGN.md §11 — the old tool cut iptables-save at 256 KiB and reported "KUBE-SERVICES empty"
 * for rules that were simply further down. Lines are yielded without their terminator.
 */
export type Lines = AsyncIterable<string>;

/** Lines of a stream (a stored bundle file), decoded as UTF-8, read to the end. */
export function streamLines(stream: Readable): Lines {
  return createInterface({ input: stream, crlfDelay: Infinity });
}

/** Lines of an in-memory text: tests and fixtures. */
export async function* textLines(text: string): Lines {
  for (const l of text.split(/\r?\n/)) yield l;
}

/** JSON state files (IPAMD introspection, conflist, kubelet config) must be whole to parse. */
export async function collectText(lines: Lines): Promise<{ text: string; lines: string[] }> {
  const all: string[] = [];
  for await (const l of lines) all.push(l);
  return { text: all.join('\n'), lines: all };
}

/** 1-based line of the first line containing `needle`, for evidence pointing into a JSON file; 1 when absent. */
export function lineOf(lines: readonly string[], needle: string): number {
  const i = lines.findIndex((l) => l.includes(needle));
  return i < 0 ? 1 : i + 1;
}

/** JSON.parse that reports a parse failure as a value: parsers never throw on hostile bytes. */
export function tryJson(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    return { ok: false, error: (err as Error).message.slice(0, 200) };
  }
}

export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Whole-number value of a JSON/text field that may be a number or a numeric string ("9001"). */
export function intOf(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return Math.trunc(v);
  if (typeof v === 'string' && /^\s*-?\d{1,15}\s*$/.test(v)) return Number.parseInt(v, 10);
  return null;
}
