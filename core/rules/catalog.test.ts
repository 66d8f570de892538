import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import safeRegex from 'safe-regex2';
import { CompiledCatalog } from './compiled-catalog.js';
import { fixturePathOf } from './fixture-path.js';
import { loadCatalog } from './load-catalog.js';
import { renderRulesDoc } from './gen-rules-doc.js';

// The one generic catalog test (STYLE.md 4): adding a rule adds YAML and fixtures, no test code.
const specs = loadCatalog();
const catalog = new CompiledCatalog(specs);
const sopIds = new Set<string>(
  (parse(readFileSync(new URL('../../sops/catalog.yaml', import.meta.url), 'utf8')).runbooks as { id: string }[]).map((r) => r.id),
);
const benign = parse(readFileSync(new URL('./benign-lines.yaml', import.meta.url), 'utf8')) as {
  lines: { path: string; line: string; allow?: string[]; why: string }[];
};

describe('detection catalog', () => {
  it('holds at least 150 rules with unique codes', () => {
    expect(specs.length).toBeGreaterThanOrEqual(150);
    expect(new Set(specs.map((r) => r.code)).size).toBe(specs.length);
  });

  for (const rule of specs) {
    describe(rule.code, () => {
      const path = fixturePathOf(rule);
      it('has linear-safe patterns and runbooks that exist', () => {
        for (const p of [...rule.patterns, ...rule.exclude]) expect(safeRegex(p), `unsafe regex ${p}`).toBe(true);
        for (const s of rule.sops) expect(sopIds.has(s), `unknown runbook ${s}`).toBe(true);
      });
      it.each(rule.match)(`fires on %s`, (line) => {
        expect(catalog.matchLine(path, line)).toContain(rule.code);
      });
      it.each(rule.nomatch)(`stays quiet on %s`, (line) => {
        expect(catalog.matchLine(path, line)).not.toContain(rule.code);
      });
    });
  }

  it('docs/rules.md is generated from the catalog (run `npm run docs:rules` after editing rules)', () => {
    const doc = readFileSync(new URL('../../docs/rules.md', import.meta.url), 'utf8');
    expect(doc).toBe(renderRulesDoc(specs));
  });

  describe('known-benign lines fire nothing above info', () => {
    it.each(benign.lines.map((b) => [b.why, b] as const))('%s', (_why, b) => {
      const fired = catalog.matchLine(b.path, b.line).filter((c) => !(b.allow ?? []).includes(c));
      const serious = fired.filter((c) => specs.find((r) => r.code === c)!.severity !== 'info');
      expect(serious).toEqual([]);
    });
  });
});
