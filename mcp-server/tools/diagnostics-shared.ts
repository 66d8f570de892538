import { z } from 'zod';
import { resolveBundle } from '../../core/query/bundle-ref.js';
import { checkExpectedFiles } from '../../core/query/expected-files.js';
import { findingsCache } from '../../core/query/findings-cache.js';
import type { ToolDeps } from '../tool-definition.js';
import { bundleInfo, bundleOutput } from './common-fields.js';

/**
 * network_diagnostics and storage_diagnostics share this shape: today they report the log findings
 * of their categories and which state files the bundle holds; the structured checks over those
 * files (N-NNN findings) are not built yet, and the answer says so instead of guessing.
 */
export const diagnosticsOutput = {
  bundle: bundleOutput,
  findings: z.array(z.object({ id: z.string(), code: z.string(), severity: z.string(), title: z.string(), count: z.number().int(), firstSeen: z.string().nullable(), where: z.string() })),
  state_files: z.array(z.object({ path: z.string(), state: z.enum(['present', 'empty', 'missing']), needed_for: z.string() })),
  structured_checks: z.object({ available: z.boolean(), reason: z.string() }),
  truncated: z.boolean(),
};

export async function diagnostics(deps: ToolDeps, node: string, bundleId: string | undefined, categories: string[], filePrefixes: string[], limit: number) {
  const ref = await resolveBundle(deps.store, node, bundleId);
  const idx = await findingsCache.get(deps.store, ref);
  const matching = idx.findings.filter((f) => categories.includes(f.category));
  return {
    bundle: bundleInfo(ref),
    findings: matching.slice(0, limit).map((f) => ({
      id: f.id, code: f.code, severity: f.severity, title: f.title, count: f.count, firstSeen: f.firstSeen,
      where: f.sources.slice(0, 3).map((s) => `${s.path}:${s.firstLine}`).join(', '),
    })),
    state_files: checkExpectedFiles(ref.manifest)
      .filter((c) => filePrefixes.some((p) => c.path.startsWith(p)))
      .map(({ path, state, needed_for }) => ({ path, state, needed_for })),
    structured_checks: {
      available: false,
      reason: 'the parsers and checks over iptables, routes, conntrack, IPAMD state, ethtool and df are not built yet: read those files with artifact or read',
    },
    truncated: matching.length > limit,
  };
}
