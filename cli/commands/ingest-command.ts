import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { ingestBundle, type IngestResult, PartialIngestError } from '../../core/ingest/ingest-bundle.js';
import { IngestError } from '../../core/ingest/limits.js';
import { CompiledCatalog } from '../../core/rules/compiled-catalog.js';
import { FsBundleStore } from '../../core/store/fs-store.js';
import { analysisJson, analysisTable } from '../render-findings.js';
import { progressBar } from '../progress.js';

export interface IngestCommandOptions {
  store?: string;
  node?: string;
  json?: boolean;
  limit?: number;
  keep: boolean;
}

/**
 * `import` keeps the bundle in the store; `analyze` ingests into a temporary store unless one is
 * named, prints, and removes it. Both share the one ingest path.
 */
export async function runIngestCommand(input: string, o: IngestCommandOptions, log: Logger): Promise<number> {
  const path = resolve(input);
  const st = await stat(path).catch(() => undefined);
  if (!st) {
    process.stderr.write(`error: ${input} does not exist: give an eks-log-collector.sh archive (.tar.gz) or a bundle directory\n`);
    return 2;
  }
  const tmp = o.store ? undefined : await mkdtemp(join(tmpdir(), 'eks-nlm-'));
  const store = new FsBundleStore(o.store ?? tmp!);
  const catalog = CompiledCatalog.load();
  const bar = progressBar(st.isFile() ? st.size : undefined, 'ingest');
  const t0 = performance.now();
  let result: IngestResult | undefined;
  let code = 0;
  try {
    result = await ingestBundle({
      store, catalog, node: o.node,
      source: st.isDirectory() ? { kind: 'directory', path } : { kind: 'archive', path },
      onProgress: (n) => bar(n),
    });
  } catch (err) {
    bar.done();
    if (err instanceof PartialIngestError) {
      result = err.result;
      process.stderr.write(`error: ${err.message}\n`);
      code = 3;
    } else if (err instanceof IngestError) {
      process.stderr.write(`error: ${err.message}\n`);
      if (tmp) await rm(tmp, { recursive: true, force: true });
      return 2;
    } else {
      throw err;
    }
  }
  bar.done();
  log.info({ node: result.node, bundleId: result.bundleId, files: result.manifest.files.length, findings: result.findings.findings.length, ms: Math.round(performance.now() - t0) }, 'Ingested bundle');
  if (o.json) process.stdout.write(`${JSON.stringify(analysisJson(result), null, 2)}\n`);
  else process.stdout.write(`${analysisTable(result, o.limit)}\n`);
  if (o.store) process.stderr.write(`stored as ${result.node}/${result.bundleId} in ${store.root}\n`);
  if (tmp && !o.keep) await rm(tmp, { recursive: true, force: true });
  return code;
}
