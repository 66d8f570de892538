/** Status fields of a finished NodeLogCollection / PacketCapture, shared by the hub (agent and job uploads) and the operator (SSM). */
import type { IngestResult } from '../ingest/ingest-bundle.js';
import type { PcapAnalysis } from '../pcap/analyze.js';
import type { NodeLogCollectionStatus, PacketCaptureStatus } from '../../crds/types.js';

const TOP = 5;
const MAX_MESSAGE = 4096;

/** `store://` (filesystem hub) or `s3://bucket/prefix`: how status URIs name where things live. */
export function storeUri(base: string, key: string): string {
  return base.endsWith('://') ? `${base}${key}` : `${base.replace(/\/+$/, '')}/${key}`;
}

/** What a completed collection shows: the bundle, counts by severity, the top findings (index order: most severe first). */
export function completedCollectionStatus(r: IngestResult, receivedBytes: number, uriBase: string, nowMs: number): NodeLogCollectionStatus {
  const s = r.findings.summary;
  const total = s.critical + s.high + s.warning + s.info;
  return {
    phase: 'Completed',
    completionTime: new Date(nowMs).toISOString(),
    bundle: { id: r.bundleId, uri: storeUri(uriBase, `bundles/${r.node}/${r.bundleId}/`), sizeBytes: receivedBytes, files: r.manifest.files.length },
    findings: {
      critical: s.critical, high: s.high, warning: s.warning, info: s.info, total,
      top: r.findings.findings.slice(0, TOP).map((f) => ({ id: f.id, code: f.code, severity: f.severity, title: f.title.slice(0, 256), count: f.count })),
    },
    message: clip(`ingested ${r.manifest.files.length} file(s) from node ${r.node}: ${total} finding(s), ${s.critical} critical, ${s.high} high`),
  };
}

export function failedStatus(reason: string, nowMs: number): { phase: 'Failed'; completionTime: string; message: string } {
  return { phase: 'Failed', completionTime: new Date(nowMs).toISOString(), message: clip(reason) };
}

/** What a completed capture shows: size, packets, and the anomalies by severity with the top ones. */
export function completedCaptureStatus(a: PcapAnalysis, captureId: string, bytes: number, uri: string, nowMs: number): PacketCaptureStatus {
  const bySeverity = { critical: 0, warning: 0, info: 0 };
  for (const x of a.anomalies) if (x.severity in bySeverity) bySeverity[x.severity as keyof typeof bySeverity]++;
  const rank = { critical: 0, warning: 1, info: 2 } as Record<string, number>;
  const top = [...a.anomalies].sort((x, y) => (rank[x.severity] ?? 9) - (rank[y.severity] ?? 9)).slice(0, TOP);
  return {
    phase: 'Completed',
    completionTime: new Date(nowMs).toISOString(),
    captureId,
    uri,
    packets: a.packets,
    bytes,
    anomalies: {
      total: a.anomalies.length,
      bySeverity,
      top: top.map((x) => ({ id: x.id.slice(0, 16), type: x.type.slice(0, 128), severity: x.severity as 'critical' | 'warning' | 'info', message: x.message.slice(0, 512) })),
    },
    message: clip(`analysed ${a.packets} packet(s): ${a.anomalies.length} anomaly(ies)`),
  };
}

const clip = (s: string) => (s.length > MAX_MESSAGE ? `${s.slice(0, MAX_MESSAGE - 1)}…` : s);
