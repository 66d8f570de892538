import { z } from 'zod';
import { cachedSops } from '../../core/sops/sop-cache.js';
import { recommendSops, type Sop } from '../../core/sops/sop-library.js';
import { SEVERITIES } from '../../core/rules/rule-schema.js';
import { defineTool, READ_ONLY, ToolError } from '../tool-definition.js';

const TriggersShape = z.object({
  codes: z.array(z.string()).describe('finding codes (from errors) that call for this runbook'),
  patterns: z.array(z.string()).describe('short lower-case phrases of the symptom'),
});

export const listSopsTool = defineTool({
  name: 'list_sops',
  title: 'List runbooks',
  description:
    'Lists the troubleshooting runbooks (id, title, severity, the finding codes and phrases that trigger each), or, given a finding code, the runbooks for that code ranked best first. ' +
    'Use it after errors or quick_triage to pick the runbook for a finding code, then fetch it with get_sop.',
  inputSchema: {
    code: z
      .string()
      .min(1)
      .max(100)
      .optional()
      .describe('finding code from errors, e.g. "PLEGNotHealthy" (case-insensitive); only runbooks it triggers, most severe first. Default: every runbook, by id'),
    severity: z.enum(SEVERITIES).optional().describe('only runbooks of exactly this severity. Default: all severities'),
    limit: z.number().int().min(1).max(100).default(50).describe('most runbooks to return, 1-100. Default 50'),
  },
  outputSchema: {
    runbooks: z
      .array(
        z.object({
          id: z.string().describe('runbook id, the argument of get_sop'),
          title: z.string().describe('runbook title'),
          severity: z.enum(SEVERITIES).describe('how urgent the problem it covers usually is'),
          triggers: TriggersShape.describe('what calls for this runbook'),
        }),
      )
      .describe('the runbooks, ranked for code when given, else sorted by id'),
    total: z.number().int().describe('how many runbooks matched the filters before limit'),
    truncated: z.boolean().describe('true when limit cut the list; raise limit or filter by severity'),
  },
  annotations: READ_ONLY,
  handler: async ({ code, severity, limit }, deps) => {
    const sops = cachedSops(deps.sopsDir);
    let picked: Sop[] = sops;
    if (code !== undefined) {
      const byId = new Map(sops.map((s) => [s.id, s]));
      const canonical = canonicalCode(sops, code.trim());
      const ranked = canonical ? recommendSops(sops, [canonical]) : [];
      if (ranked.length === 0) {
        throw new ToolError(
          `no runbook is triggered by code "${code.slice(0, 100)}"; use a code exactly as errors reports it, ` +
            'or call list_sops without code and start with get_sop "general-troubleshooting"',
        );
      }
      picked = ranked.map((r) => byId.get(r.id)!);
    }
    if (severity !== undefined) picked = picked.filter((s) => s.severity === severity);
    return {
      runbooks: picked.slice(0, limit).map((s) => ({
        id: s.id,
        title: s.title,
        severity: s.severity,
        triggers: { codes: [...s.triggers.codes], patterns: [...s.triggers.patterns] },
      })),
      total: picked.length,
      truncated: picked.length > limit,
    };
  },
});

/** The trigger code spelled as the runbooks spell it, matched case-insensitively. */
function canonicalCode(sops: readonly Sop[], code: string): string | undefined {
  const lower = code.toLowerCase();
  for (const s of sops) {
    const hit = s.triggers.codes.find((c) => c.toLowerCase() === lower);
    if (hit) return hit;
  }
  return undefined;
}
