import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { RuleFileSchema, type RuleSpec } from './rule-schema.js';

/** Where the YAML catalog lives: beside the sources, and beside the build output (copied by build). */
export function defaultCatalogDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  // dist/core/rules -> ../../../core/rules/catalog ; core/rules -> ./catalog
  const candidates = [join(here, 'catalog'), join(here, '..', '..', '..', 'core', 'rules', 'catalog')];
  for (const c of candidates) {
    try {
      if (readdirSync(c).some((f) => f.endsWith('.yaml'))) return c;
    } catch {
      /* try the next */
    }
  }
  throw new Error(`detection catalog not found (looked in ${candidates.join(', ')})`);
}

export class CatalogError extends Error {}

/** Loads and validates every `*.yaml` rule file; codes must be unique across files. */
export function loadCatalog(dir = defaultCatalogDir()): RuleSpec[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();
  const rules: RuleSpec[] = [];
  const seen = new Map<string, string>();
  for (const f of files) {
    const raw = parse(readFileSync(join(dir, f), 'utf8'));
    const res = RuleFileSchema.safeParse(raw);
    if (!res.success) {
      const issue = res.error.issues[0];
      throw new CatalogError(`${f}: ${issue?.path.join('.')}: ${issue?.message}`);
    }
    for (const r of res.data.rules) {
      const prev = seen.get(r.code);
      if (prev) throw new CatalogError(`${f}: duplicate rule code ${r.code} (also in ${prev})`);
      seen.set(r.code, f);
      rules.push(r);
    }
  }
  return rules;
}
