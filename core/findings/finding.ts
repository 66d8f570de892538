import type { Severity } from '../rules/rule-schema.js';

export interface FindingSource {
  path: string;
  count: number;
  firstLine: number;
  lastLine: number;
}

export interface FindingSample {
  path: string;
  line: number;
  offset: number;
  timestamp: string | null;
  /** the line, cut to 500 characters */
  text: string;
}

/** DESIGN.md §4: one finding per (code, message template) across every file of a bundle. */
export interface Finding {
  id: string;
  code: string;
  title: string;
  severity: Severity;
  category: string;
  /** distinct occurrences: the same line copied into several files (dmesg variants, journal copies) counts once */
  count: number;
  /** matched lines summed over every file */
  occurrences: number;
  template: string;
  firstSeen: string | null;
  lastSeen: string | null;
  sources: FindingSource[];
  samples: FindingSample[];
  /** independent origins that agree (rotations of one log and the dmesg variants are one origin) */
  confirmation: number;
  sops: string[];
  remediation: string;
  description: string;
  nmaReason?: string;
}

export interface SeveritySummary {
  critical: number;
  high: number;
  warning: number;
  info: number;
}

export interface Coverage {
  bytesScanned: number;
  bytesTotal: number;
  filesScanned: number;
  filesSkipped: number;
  binaryFiles: number;
  binaryBytes: number;
}

export interface FindingsIndex {
  schema: 'eks-node-log-mcp/findings/v1';
  bundleId: string;
  node: string;
  rulesVersion: string;
  summary: SeveritySummary;
  coverage: Coverage;
  findings: Finding[];
}
