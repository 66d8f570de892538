import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { SEVERITIES, type Severity, severityRank } from '../rules/rule-schema.js';

/** One runbook (DESIGN.md §9): `sops/<id>.md`, YAML front matter, then Triage / Enrich / Report. */
export interface Sop {
  id: string;
  title: string;
  severity: Severity;
  triggers: { codes: string[]; patterns: string[] };
  /** the markdown after the front matter */
  body: string;
  /** the file it was read from */
  path: string;
}

export interface SopRecommendation {
  id: string;
  title: string;
  matchedCodes: string[];
}

const FrontMatterSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'kebab-case id'),
    title: z.string().min(3).max(120),
    severity: z.enum(SEVERITIES),
    triggers: z
      .object({
        codes: z.array(z.string().regex(/^[A-Z][A-Za-z0-9]+$/, 'PascalCase finding code')).default([]),
        patterns: z.array(z.string().min(2).regex(/^[^A-Z]+$/, 'patterns are lower-case')).default([]),
      })
      .strict(),
  })
  .strict();

export class SopLoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SopLoadError';
  }
}

// The front matter is the block between a first line `---` and the next line `---`.
const FRONT_MATTER = /^---\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/;

/** Parses one runbook file's text; `file` only names the file in errors. */
export function parseSop(text: string, file: string): Sop {
  const m = FRONT_MATTER.exec(text);
  if (!m) throw new SopLoadError(`${file}: no YAML front matter (the file must start with a line "---" and close it with another)`);
  let raw: unknown;
  try {
    raw = parse(m[1]!);
  } catch (err) {
    throw new SopLoadError(`${file}: front matter is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const res = FrontMatterSchema.safeParse(raw);
  if (!res.success) {
    const issue = res.error.issues[0];
    throw new SopLoadError(`${file}: front matter ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  const stem = basename(file).replace(/\.md$/, '');
  if (res.data.id !== stem) throw new SopLoadError(`${file}: front matter id "${res.data.id}" does not match the file name "${stem}"`);
  const fm = res.data;
  return {
    id: fm.id,
    title: fm.title,
    severity: fm.severity,
    triggers: { codes: fm.triggers.codes, patterns: fm.triggers.patterns },
    body: text.slice(m[0].length).replace(/^\s*\n/, ''),
    path: file,
  };
}

/** Reads and validates every `*.md` runbook in `dir`, sorted by id; throws naming the bad file. */
export function loadSops(dir: string): Sop[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.md')).sort();
  return files
    .map((f) => parseSop(readFileSync(join(dir, f), 'utf8'), join(dir, f)))
    .sort((a, b) => a.id.localeCompare(b.id));
}

/**
 * The runbooks whose triggers name any of `codes`, best first: most matched codes, then the more
 * severe runbook, then id (so the order is stable).
 */
export function recommendSops(sops: readonly Sop[], codes: readonly string[]): SopRecommendation[] {
  const wanted = new Set(codes);
  return sops
    .map((s) => ({ sop: s, matched: s.triggers.codes.filter((c) => wanted.has(c)) }))
    .filter((x) => x.matched.length > 0)
    .sort(
      (a, b) =>
        b.matched.length - a.matched.length ||
        severityRank(a.sop.severity) - severityRank(b.sop.severity) ||
        a.sop.id.localeCompare(b.sop.id),
    )
    .map((x) => ({ id: x.sop.id, title: x.sop.title, matchedCodes: x.matched }));
}

/** A tool name's shape: lower-case words joined by single underscores (`errors`, `quick_triage`). */
export const TOOL_NAME_SHAPE = /^[a-z]+(_[a-z]+)*$/;

/**
 * The distinct backticked tokens of `body` shaped like a tool name, in order of first use. Paths,
 * flags, commands with arguments and `key: value` hints never have that shape, so a runbook names
 * a tool by writing it alone in backticks.
 */
export function toolNamesIn(body: string): string[] {
  const seen = new Set<string>();
  for (const m of body.matchAll(/`([^`\n]+)`/g)) {
    const token = m[1]!;
    if (TOOL_NAME_SHAPE.test(token)) seen.add(token);
  }
  return [...seen];
}
