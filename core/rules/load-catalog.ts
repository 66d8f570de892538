import { dataPath } from '../util/data-path.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { RuleFileSchema, type RuleSpec } from './rule-schema.js';
import { catalogFiles, readSnapshot } from './catalog-snapshot.js';

/** Where the YAML catalog lives: beside the sources (see dataPath). */
export function defaultCatalogDir(): string {
  return dataPath('rules/catalog');
}

export class CatalogError extends Error {}

/**
 * The rules of `dir`: from the build's snapshot when it was made from exactly these YAML files
 * (catalog-snapshot.ts), else parsed and validated from the YAML.
 */
export function loadCatalog(dir = defaultCatalogDir()): RuleSpec[] {
  return readSnapshot(dir) ?? loadCatalogYaml(dir);
}

/** Loads and validates every `*.yaml` rule file; codes must be unique across files. */
export function loadCatalogYaml(dir = defaultCatalogDir()): RuleSpec[] {
  const files = catalogFiles(dir);
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
