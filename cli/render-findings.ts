import type { IngestResult } from '../core/ingest/ingest-bundle.js';

/** The `analyze --json` document (issue contract): findings ordered by id, severity first. */
export function analysisJson(r: IngestResult) {
  const f = r.findings;
  return {
    bundleId: r.bundleId,
    node: r.node,
    instanceId: r.manifest.instanceId,
    collectedAt: r.manifest.collectedAt,
    status: r.manifest.status,
    rulesVersion: f.rulesVersion,
    summary: f.summary,
    coverage: {
      bytesScanned: f.coverage.bytesScanned,
      bytesTotal: f.coverage.bytesTotal,
      filesScanned: f.coverage.filesScanned,
      filesSkipped: f.coverage.filesSkipped,
      binaryFiles: f.coverage.binaryFiles,
      ratio: f.coverage.bytesTotal === 0 ? 1 : f.coverage.bytesScanned / f.coverage.bytesTotal,
    },
    skipped: r.manifest.skipped,
    findings: f.findings.map((x) => ({
      id: x.id, code: x.code, title: x.title, severity: x.severity, category: x.category, count: x.count,
      firstSeen: x.firstSeen, lastSeen: x.lastSeen, confirmation: x.confirmation, sources: x.sources,
      samples: x.samples, sops: x.sops, remediation: x.remediation,
    })),
  };
}

const SEV = { critical: 'CRIT', high: 'HIGH', warning: 'WARN', info: 'INFO' } as const;

/** A readable table for a terminal. */
export function analysisTable(r: IngestResult, limit = 40): string {
  const f = r.findings;
  const out: string[] = [];
  const c = f.coverage;
  out.push(`bundle ${r.node}/${r.bundleId}  collected ${r.manifest.collectedAt}  ${r.manifest.status}`);
  out.push(
    `findings: ${f.summary.critical} critical, ${f.summary.high} high, ${f.summary.warning} warning, ${f.summary.info} info` +
      `   coverage: ${c.filesScanned} text files, ${(c.bytesScanned / 1048576).toFixed(1)}/${(c.bytesTotal / 1048576).toFixed(1)} MiB scanned, ${c.binaryFiles} binary, ${c.filesSkipped} skipped`,
  );
  out.push('');
  out.push(`${'ID'.padEnd(6)} ${'SEV'.padEnd(4)} ${'COUNT'.padStart(6)}  ${'FIRST SEEN'.padEnd(20)} ${'CODE'.padEnd(30)} WHERE`);
  for (const x of f.findings.slice(0, limit)) {
    const where = x.sources.map((s) => `${s.path}:${s.firstLine}`).slice(0, 2).join(', ') + (x.sources.length > 2 ? ` +${x.sources.length - 2}` : '');
    out.push(`${x.id.padEnd(6)} ${SEV[x.severity].padEnd(4)} ${String(x.count).padStart(6)}  ${(x.firstSeen ?? '-').slice(0, 19).padEnd(20)} ${x.code.padEnd(30)} ${where}`);
  }
  if (f.findings.length > limit) out.push(`… ${f.findings.length - limit} more (use --json or --limit)`);
  for (const s of r.manifest.skipped.slice(0, 10)) out.push(`skipped ${s.path}: ${s.reason}${s.detail ? ` (${s.detail})` : ''}`);
  return out.join('\n');
}
