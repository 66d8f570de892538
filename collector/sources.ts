import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';

/** The eks-node-monitoring-agent categories; `All` selects every one. */
export const CATEGORIES = ['Base', 'Device', 'Networking', 'Runtime', 'System'] as const;
export type Category = (typeof CATEGORIES)[number];
export const CategoryInput = z.enum([...CATEGORIES, 'All']);

/** Host OS families whose paths or units differ (detected from HOST_ROOT/etc/os-release). */
export const PLATFORMS = ['al2023', 'al2', 'bottlerocket', 'other'] as const;
export type Platform = (typeof PLATFORMS)[number];

// A bundle-relative output path: the same safety ingest applies, so nothing we write is refused there.
const BundlePath = z.string().min(1).max(300).regex(/^[A-Za-z0-9_{}][A-Za-z0-9._{}/-]*$/, 'relative path of [A-Za-z0-9._-/]')
  .refine((p) => !p.split('/').some((s) => s === '..' || s === '.' || s === ''), 'no empty, "." or ".." segment');
const HostPath = z.string().min(2).max(400).regex(/^\/[^\u0000]*$/, 'absolute host path')
  .refine((p) => !p.split('/').includes('..'), 'no ".." segment');

const Common = {
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/),
  category: z.enum(CATEGORIES),
  platforms: z.array(z.enum(PLATFORMS)).min(1).optional(),
  /** bytes kept per output file; beyond it the copy stops and the source is recorded `truncated` */
  maxBytes: z.number().int().positive().optional(),
};

const FileSource = z.object({
  ...Common,
  kind: z.literal('file'),
  paths: z.array(HostPath).min(1).optional(),
  output: BundlePath.optional(),
  from: HostPath.optional(),
  match: z.string().min(1).max(200).optional(),
  outputDir: BundlePath.optional(),
  /** with `paths`: when none of them exists, this argv's output is written to `output` instead */
  orCommand: z.array(z.string().min(1).max(200)).min(1).max(32).optional(),
}).strict().refine((s) => (s.paths !== undefined && s.output !== undefined && s.from === undefined) || (s.from !== undefined && s.match !== undefined && s.outputDir !== undefined && s.paths === undefined), 'a file source has either paths + output, or from + match + outputDir')
  .refine((s) => s.orCommand === undefined || s.paths !== undefined, 'orCommand goes with paths + output');

const CommandSource = z.object({
  ...Common,
  kind: z.literal('command'),
  argv: z.array(z.string().min(1).max(200)).min(1).max(32),
  output: BundlePath,
  /** appended before the output when several rows share one file (eks-log-collector.sh's section lines) */
  header: z.string().max(200).optional(),
  timeoutMs: z.number().int().positive().max(600_000).optional(),
  journal: z.boolean().optional(),
  perInterface: z.boolean().optional(),
}).strict().refine((s) => !s.perInterface || s.output.includes('{iface}'), 'perInterface output must hold {iface}');

const HttpSource = z.object({
  ...Common,
  kind: z.literal('http'),
  url: z.string().min(1).max(300),
  imds: z.boolean().optional(),
  output: BundlePath,
  timeoutMs: z.number().int().positive().max(30_000).optional(),
}).strict().refine((s) => (s.imds ? /^\/latest\//.test(s.url) : /^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?\//.test(s.url)), 'http sources are node-local: localhost URLs, or IMDS paths with imds: true');

export const SourceSchema = z.union([FileSource, CommandSource, HttpSource]);
export type Source = z.infer<typeof SourceSchema>;
export type FileSourceSpec = z.infer<typeof FileSource>;
export type CommandSourceSpec = z.infer<typeof CommandSource>;
export type HttpSourceSpec = z.infer<typeof HttpSource>;

const TableSchema = z.object({ sources: z.array(SourceSchema).min(1) }).strict();

export class SourceTableError extends Error {}

/** sources.yaml beside this module, or under collector/ of the package when running from dist/. */
export function defaultSourcesPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'sources.yaml'), join(here, '..', '..', 'collector', 'sources.yaml')];
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new SourceTableError(`collector/sources.yaml not found (looked in ${candidates.join(', ')})`);
  return found;
}

/** Loads and validates the table; ids must be unique. */
export function loadSources(path = defaultSourcesPath()): Source[] {
  const res = TableSchema.safeParse(parse(readFileSync(path, 'utf8')));
  if (!res.success) throw new SourceTableError(`${path}: ${z.prettifyError(res.error)}`);
  const seen = new Set<string>();
  for (const s of res.data.sources) {
    if (seen.has(s.id)) throw new SourceTableError(`${path}: duplicate source id ${s.id}`);
    seen.add(s.id);
  }
  return res.data.sources;
}

/** Expands `All` and removes duplicates; an empty list means every category. */
export function resolveCategories(input: readonly string[] | undefined): Category[] {
  const parsed = (input ?? []).map((c) => CategoryInput.parse(c));
  if (parsed.length === 0 || parsed.includes('All')) return [...CATEGORIES];
  return CATEGORIES.filter((c) => parsed.includes(c));
}

/** The rows that apply to these categories on this platform, in table order. */
export function selectSources(all: readonly Source[], categories: readonly Category[], platform: Platform): Source[] {
  return all.filter((s) => categories.includes(s.category) && (!s.platforms || s.platforms.includes(platform)));
}
