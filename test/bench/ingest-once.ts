import { resolve } from 'node:path';
import { ingestBundle } from '../../core/ingest/ingest-bundle.js';
import { CompiledCatalog } from '../../core/rules/compiled-catalog.js';
import { FsBundleStore } from '../../core/store/fs-store.js';

// One ingest in its own process, so peak RSS is the ingest's alone: `node ingest-once.js <archive> <store>`
const [archive, storeDir] = process.argv.slice(2);
if (!archive || !storeDir) throw new Error('usage: ingest-once <archive> <store-dir>');
const t0 = performance.now();
const catalog = CompiledCatalog.load();
const r = await ingestBundle({ store: new FsBundleStore(storeDir), catalog, source: { kind: 'archive', path: resolve(archive) } });
const ms = performance.now() - t0;
process.stdout.write(`${JSON.stringify({
  ms, maxRssMiB: process.resourceUsage().maxRSS / 1024, rules: catalog.rules.length,
  findings: r.findings.findings.length, bytesScanned: r.findings.coverage.bytesScanned, bytesTotal: r.findings.coverage.bytesTotal,
})}\n`);
