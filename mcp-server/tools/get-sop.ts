import { z } from 'zod';
import { cachedSops } from '../../core/sops/sop-cache.js';
import type { Sop } from '../../core/sops/sop-library.js';
import { SEVERITIES } from '../../core/rules/rule-schema.js';
import { defineTool, READ_ONLY, ToolError } from '../tool-definition.js';

export const getSopTool = defineTool({
  name: 'get_sop',
  title: 'Get a runbook',
  description:
    'Returns one troubleshooting runbook in full: its When, Triage, Enrich and Report steps as markdown, with the tools and bundle files to use. ' +
    'Use it once list_sops (or a finding) has named the runbook id, and follow its steps against the node bundle.',
  inputSchema: {
    id: z.string().min(1).max(100).describe('runbook id from list_sops or a finding\'s sops list, e.g. "pleg-unhealthy"'),
  },
  outputSchema: {
    id: z.string().describe('runbook id'),
    title: z.string().describe('runbook title'),
    severity: z.enum(SEVERITIES).describe('how urgent the problem it covers usually is'),
    triggers: z
      .object({
        codes: z.array(z.string()).describe('finding codes that call for this runbook'),
        patterns: z.array(z.string()).describe('short lower-case phrases of the symptom'),
      })
      .describe('what calls for this runbook'),
    markdown: z.string().describe('the runbook body (markdown, without its front matter)'),
  },
  annotations: READ_ONLY,
  handler: async ({ id }, deps) => {
    const sops = cachedSops(deps.sopsDir);
    const wanted = id.trim().toLowerCase().replace(/\.md$/, '');
    const sop = sops.find((s) => s.id === wanted);
    if (!sop) {
      const close = closeIds(sops, wanted);
      const hint = close.length ? ` (close: ${close.join(', ')})` : '';
      throw new ToolError(`no runbook "${id.slice(0, 100)}"; call list_sops to see the ids${hint}`);
    }
    return {
      id: sop.id,
      title: sop.title,
      severity: sop.severity,
      triggers: { codes: [...sop.triggers.codes], patterns: [...sop.triggers.patterns] },
      markdown: sop.body,
    };
  },
});

/** Up to five ids sharing a prefix or a substring with what was asked, prefixes first. */
function closeIds(sops: readonly Sop[], wanted: string): string[] {
  if (!wanted) return [];
  const words = wanted.split(/[^a-z0-9]+/).filter((w) => w.length >= 3);
  const score = (s: Sop): number => {
    if (s.id.startsWith(wanted) || wanted.startsWith(s.id)) return 3;
    if (s.id.includes(wanted) || wanted.includes(s.id)) return 2;
    return words.some((w) => s.id.includes(w)) ? 1 : 0;
  };
  return sops
    .map((s) => ({ id: s.id, score: score(s) }))
    .filter((x) => x.score > 0)
    .sort((a, b) => b.score - a.score || a.id.localeCompare(b.id))
    .slice(0, 5)
    .map((x) => x.id);
}
