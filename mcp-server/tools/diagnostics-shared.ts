import { z } from 'zod';
import { SEVERITIES } from '../../core/rules/rule-schema.js';
import { resolveBundle } from '../../core/query/bundle-ref.js';
import { checkExpectedFiles } from '../../core/query/expected-files.js';
import { findingsCache } from '../../core/query/findings-cache.js';
import { type NodeArea, runNodeChecks } from '../../core/node-state/run-checks.js';
import type { ToolDeps } from '../tool-definition.js';
import { bundleIdField, bundleInfo, bundleOutput, nodeField } from './common-fields.js';

const checkFinding = z.object({
  id: z.string().describe('N-NNN id, accepted by summarize'),
  code: z.string().describe('PascalCase problem code'),
  title: z.string(),
  severity: z.enum(SEVERITIES),
  category: z.enum(['networking', 'storage', 'dns']),
  message: z.string().describe('what was found, with the numbers'),
  evidence: z.array(z.object({ path: z.string(), line: z.number().int(), text: z.string() })).describe('bundle file lines the finding rests on (read them with read)'),
  remediation: z.string(),
  sops: z.array(z.string()).describe('runbook ids (get_sop)'),
  check: z.string().describe('the check that produced it'),
});

/**
 * network_diagnostics and storage_diagnostics share this shape: the log findings of their
 * categories, which state files the bundle holds, and the structured checks over those files
 * (N-NNN findings plus each check's status, so a missing file reads "not-checked", never "ok").
 */
/** Both diagnostics tools take the same input. */
export const diagnosticsInput = {
  node: nodeField,
  bundleId: bundleIdField,
  limit: z.number().int().min(1).optional().describe('log findings and check findings to return, each (default 50, at most 200; larger values are clamped)'),
};

export const diagnosticsOutput = {
  bundle: bundleOutput,
  findings: z.array(z.object({ id: z.string(), code: z.string(), severity: z.string(), title: z.string(), count: z.number().int(), firstSeen: z.string().nullable(), where: z.string() })).describe('log findings (F- ids) of these categories'),
  state_files: z.array(z.object({ path: z.string(), state: z.enum(['present', 'empty', 'missing']), needed_for: z.string() })),
  checks: z.object({
    findings: z.array(checkFinding).describe('problems found in the state files, most severe first'),
    checked: z.array(z.object({
      check: z.string(),
      status: z.enum(['ok', 'problem', 'not-checked']),
      reason: z.string().optional().describe('why not checked (e.g. "not checked: networking/iptables-save.txt missing"), or what ok rests on'),
    })).describe('every structured check of this area and its outcome'),
  }).describe('structured checks over iptables, routes, ip rules, conntrack, sysctls, IPAMD state, CNI config, ethtool, df and mounts'),
  truncated: z.boolean().describe('true when log findings or check findings were cut at limit'),
};

export async function diagnostics(deps: ToolDeps, node: string, bundleId: string | undefined, area: NodeArea, categories: string[], filePrefixes: string[], limit: number) {
  const ref = await resolveBundle(deps.store, node, bundleId);
  const idx = await findingsCache.get(deps.store, ref);
  const matching = idx.findings.filter((f) => categories.includes(f.category));
  const checks = await runNodeChecks(deps.store, ref, { area });
  return {
    bundle: bundleInfo(ref),
    findings: matching.slice(0, limit).map((f) => ({
      id: f.id, code: f.code, severity: f.severity, title: f.title, count: f.count, firstSeen: f.firstSeen,
      where: f.sources.slice(0, 3).map((s) => `${s.path}:${s.firstLine}`).join(', '),
    })),
    state_files: checkExpectedFiles(ref.manifest)
      .filter((c) => filePrefixes.some((p) => c.path.startsWith(p)))
      .map(({ path, state, needed_for }) => ({ path, state, needed_for })),
    checks: {
      findings: checks.findings.slice(0, limit),
      checked: checks.checked.map(({ check, status, reason }) => ({ check, status, ...(reason ? { reason } : {}) })),
    },
    truncated: matching.length > limit || checks.findings.length > limit,
  };
}
