import type { FindingsIndex } from '../core/findings/finding.js';
import type { Manifest } from '../core/bundle/manifest.js';

const TOP = 5;

/**
 * The status fields a finished collection shows (`kubectl get nlc` columns, and what status/history
 * tools read): the bundle, counts by severity, and the top findings by the index's own order
 * (severity, then first occurrence).
 */
export function bundleStatus(r: { bundleId: string; node: string; manifest: Manifest; findings: FindingsIndex }, uriBase: string) {
  const s = r.findings.summary;
  const total = s.critical + s.high + s.warning + s.info;
  return {
    bundle: {
      id: r.bundleId,
      uri: `${uriBase.replace(/\/+$/, '')}/bundles/${r.node}/${r.bundleId}/`,
      sizeBytes: r.manifest.files.reduce((n, f) => n + (f.size ?? 0), 0),
      files: r.manifest.files.length,
    },
    findings: {
      critical: s.critical, high: s.high, warning: s.warning, info: s.info, total,
      top: r.findings.findings.slice(0, TOP).map((f) => ({ id: f.id, code: f.code, severity: f.severity, title: f.title.slice(0, 256), count: f.count })),
    },
  };
}
