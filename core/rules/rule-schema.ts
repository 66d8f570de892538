import { z } from 'zod';

export const SEVERITIES = ['critical', 'high', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const severityRank = (s: Severity): number => SEVERITIES.indexOf(s);

export const CATEGORIES = [
  'kernel', 'kubelet', 'runtime', 'networking', 'dns', 'storage', 'auth', 'image', 'pod',
  'system', 'node', 'bootstrap', 'accelerator', 'control-plane',
] as const;

/**
 * One detection rule (DESIGN.md §4, STYLE.md 4). Rules are data: this schema validates every YAML
 * file at load, and the generic catalog test replays each rule's own fixture lines.
 */
export const RuleSchema = z
  .object({
    code: z.string().regex(/^[A-Z][A-Za-z0-9]+$/, 'PascalCase code'),
    title: z.string().min(3).max(120),
    severity: z.enum(SEVERITIES),
    category: z.enum(CATEGORIES),
    /** Bundle-relative path globs (picomatch) the rule applies to; default: every text file. */
    sources: z.array(z.string().min(1)).min(1).default(['**']),
    /**
     * Lower-case literals; a line is only tried against `patterns` when it contains one of them.
     * This is the prefilter that lets one automaton pass scan every byte fast.
     */
    keywords: z.array(z.string().min(2).regex(/^[^A-Z]+$/, 'keywords are lower-case')).min(1),
    /** Regular expressions (JavaScript syntax, matched case-insensitively); any one fires the rule. */
    patterns: z.array(z.string().min(1)).min(1),
    /** Negative guards: a line matching any of these never fires the rule (known-benign lines). */
    exclude: z.array(z.string().min(1)).default([]),
    /** A fallback fires only when no non-fallback rule matched the same line. */
    fallback: z.boolean().default(false),
    description: z.string().min(10),
    remediation: z.string().min(10),
    sops: z.array(z.string().regex(/^[a-z0-9-]+$/)).min(1),
    /** The eks-node-monitoring-agent reason this rule reveals, when it has the same meaning. */
    nmaReason: z.string().optional(),
    /** A bundle path the fixtures are replayed under; derived from `sources` when absent. */
    fixturePath: z.string().optional(),
    /** Lines that must fire the rule (real-shaped, with their original prefixes). */
    match: z.array(z.string().min(1)).min(1),
    /** Lines that must not fire the rule (near misses and known-benign lines). */
    nomatch: z.array(z.string().min(1)).min(1),
  })
  .strict();

export type RuleSpec = z.infer<typeof RuleSchema>;

export const RuleFileSchema = z.object({ rules: z.array(RuleSchema).min(1) }).strict();
