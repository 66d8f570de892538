import { parentPort, workerData } from 'node:worker_threads';
import { CompiledCatalog } from '../rules/compiled-catalog.js';
import type { RuleSpec } from '../rules/rule-schema.js';
import { enrichHit, type EnrichedHit } from './enrich-hit.js';
import { LineScanner } from './line-scanner.js';

/**
 * The scanning thread of an ingest (see scan-pool.ts). It receives each file's bytes in order,
 * runs the line scanner, and posts back the lines that fired rules, per chunk, then a summary.
 */
export type ToWorker =
  | { t: 'open'; id: number; path: string; maxLineBytes: number; referenceMs: number }
  | { t: 'data'; id: number; buf: Uint8Array }
  | { t: 'end'; id: number };

export type FromWorker =
  | { t: 'hits'; id: number; hits: EnrichedHit[] }
  | { t: 'ack'; bytes: number }
  | { t: 'done'; id: number; summary: ReturnType<LineScanner['end']> };

if (parentPort) {
  const port = parentPort;
  const catalog = new CompiledCatalog((workerData as { specs: RuleSpec[] }).specs);
  const open = new Map<number, { scanner: LineScanner; hits: EnrichedHit[] }>();
  const flush = (id: number, f: { hits: EnrichedHit[] }) => {
    if (f.hits.length) {
      port.postMessage({ t: 'hits', id, hits: f.hits } satisfies FromWorker);
      f.hits = [];
    }
  };
  port.on('message', (m: ToWorker) => {
    if (m.t === 'open') {
      const f = { scanner: undefined as unknown as LineScanner, hits: [] as EnrichedHit[] };
      f.scanner = new LineScanner(catalog, m.path, (h) => f.hits.push(enrichHit(h, m.referenceMs)), { maxLineBytes: m.maxLineBytes });
      open.set(m.id, f);
    } else if (m.t === 'data') {
      const f = open.get(m.id)!;
      f.scanner.push(Buffer.from(m.buf.buffer, m.buf.byteOffset, m.buf.byteLength));
      flush(m.id, f);
      port.postMessage({ t: 'ack', bytes: m.buf.byteLength } satisfies FromWorker);
    } else {
      const f = open.get(m.id)!;
      const summary = f.scanner.end();
      flush(m.id, f);
      open.delete(m.id);
      port.postMessage({ t: 'done', id: m.id, summary } satisfies FromWorker);
    }
  });
}
