import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../rules/load-catalog.js';
import { loadSops, recommendSops, type Sop, SopLoadError, toolNamesIn } from './sop-library.js';

const SOPS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'sops');

/** The MCP tools (DESIGN.md §6): the only tool names a runbook may tell an agent to call. */
const TOOLS = new Set([
  'collect', 'status', 'validate', 'errors', 'read', 'search', 'correlate', 'artifact', 'summarize', 'history',
  'quick_triage', 'cluster_health', 'compare_nodes', 'batch_collect', 'batch_status', 'network_diagnostics',
  'storage_diagnostics', 'tcpdump_capture', 'tcpdump_analyze', 'list_sops', 'get_sop',
]);

/**
 * Backticked tool-shaped tokens that are NOT tools, allowed in runbooks: a tool argument the runbooks
 * name on its own, and kernel field and counter names quoted from OOM reports and `conntrack -S`.
 * Anything else of that shape must be a real tool, so a misspelt or invented tool fails here.
 */
const NON_TOOL_TOKENS = new Set(['incident_time', 'insert_failed', 'oom_memcg', 'task_memcg']);

const SECTIONS = ['When', 'Triage', 'Enrich', 'Report'] as const;

const sops = loadSops(SOPS_DIR);
const catalogIds: { id: string; title: string }[] = parse(readFileSync(join(SOPS_DIR, 'catalog.yaml'), 'utf8')).runbooks;
const rules = loadCatalog();

/** The text of `## <name>` up to the next `## ` heading. */
function section(body: string, name: string): string | undefined {
  const m = new RegExp(`^## ${name}\\s*$([\\s\\S]*?)(?=^## |(?![\\s\\S]))`, 'm').exec(body);
  return m?.[1];
}

describe('the runbook library (sops/)', () => {
  it('has exactly one runbook file per catalog id, with the catalog title', () => {
    const files = readdirSync(SOPS_DIR).filter((f) => f.endsWith('.md')).map((f) => f.replace(/\.md$/, '')).sort();
    expect(files).toEqual(catalogIds.map((r) => r.id).sort());
    for (const { id, title } of catalogIds) expect(sops.find((s) => s.id === id)?.title, id).toBe(title);
  });

  it('loads sorted by id, with bodies that no longer hold the front matter', () => {
    expect(sops.map((s) => s.id)).toEqual([...sops.map((s) => s.id)].sort());
    for (const s of sops) {
      expect(s.body.startsWith('---'), s.id).toBe(false);
      expect(s.path.endsWith(`${s.id}.md`)).toBe(true);
    }
  });

  it('triggers every rule code from at least one runbook', () => {
    const triggered = new Set(sops.flatMap((s) => s.triggers.codes));
    const missing = rules.map((r) => r.code).filter((c) => !triggered.has(c));
    expect(missing).toEqual([]);
  });

  it('lists each rule code in the triggers of every runbook that rule refers to', () => {
    const byId = new Map(sops.map((s) => [s.id, s]));
    const gaps: string[] = [];
    for (const r of rules) {
      for (const id of r.sops) {
        const sop = byId.get(id);
        if (!sop) gaps.push(`${r.code} -> ${id} (no such runbook)`);
        else if (!sop.triggers.codes.includes(r.code)) gaps.push(`${r.code} missing from ${id}`);
      }
    }
    expect(gaps).toEqual([]);
  });

  it('names only real finding codes in triggers, each at most once per runbook', () => {
    const codes = new Set(rules.map((r) => r.code));
    for (const s of sops) {
      expect(s.triggers.codes.filter((c) => !codes.has(c)), s.id).toEqual([]);
      expect(new Set(s.triggers.codes).size, s.id).toBe(s.triggers.codes.length);
      expect(s.triggers.codes.length, s.id).toBeGreaterThan(0);
      expect(s.triggers.patterns.length, s.id).toBeGreaterThan(0);
    }
  });

  it('gives every runbook its When, Triage, Enrich and Report sections in that order', () => {
    for (const s of sops) {
      const positions = SECTIONS.map((n) => s.body.search(new RegExp(`^## ${n}\\s*$`, 'm')));
      expect(positions.every((p) => p >= 0), `${s.id}: ${positions.join(',')}`).toBe(true);
      expect([...positions].sort((a, b) => a - b), s.id).toEqual(positions);
    }
  });

  it('names a real tool in each Triage, Enrich and Report section', () => {
    for (const s of sops) {
      for (const name of ['Triage', 'Enrich', 'Report']) {
        const text = section(s.body, name) ?? '';
        expect(toolNamesIn(text).some((t) => TOOLS.has(t)), `${s.id} ## ${name}`).toBe(true);
      }
    }
  });

  it('backticks no tool-shaped word that is not one of the 21 tools or a known non-tool', () => {
    const unknown = sops.flatMap((s) => toolNamesIn(s.body).filter((t) => !TOOLS.has(t) && !NON_TOOL_TOKENS.has(t)).map((t) => `${s.id}: ${t}`));
    expect(unknown).toEqual([]);
  });

  it('keeps every runbook between 40 and 120 lines with no placeholder text', () => {
    for (const s of sops) {
      const lines = readFileSync(s.path, 'utf8').trimEnd().split('\n').length;
      expect(lines, s.id).toBeGreaterThanOrEqual(40);
      expect(lines, s.id).toBeLessThanOrEqual(120);
      expect(s.body, s.id).not.toMatch(/\b(TODO|TBD|FIXME|lorem ipsum)\b|<placeholder>/i);
    }
  });
});

describe('recommendSops', () => {
  it('ranks the PLEG runbook first for PLEG finding codes', () => {
    const ranked = recommendSops(sops, ['PLEGNotHealthy', 'PLEGRelistFailed', 'KubeletStartupSyncPending']);
    expect(ranked[0]).toEqual({ id: 'pleg-unhealthy', title: 'PLEG is not healthy', matchedCodes: ['PLEGNotHealthy', 'KubeletStartupSyncPending', 'PLEGRelistFailed'] });
  });

  it('puts each runbook at the top, with all its codes matched, when given all its own codes', () => {
    for (const s of sops) {
      const ranked = recommendSops(sops, s.triggers.codes);
      const mine = ranked.find((r) => r.id === s.id);
      expect(mine?.matchedCodes.length, s.id).toBe(s.triggers.codes.length);
      expect(ranked[0]!.matchedCodes.length, s.id).toBe(s.triggers.codes.length);
    }
  });

  it('orders by matched codes, then severity, then id, and drops runbooks with no match', () => {
    const mk = (id: string, severity: Sop['severity'], codes: string[]): Sop => ({ id, title: id, severity, triggers: { codes, patterns: ['x y'] }, body: '', path: `${id}.md` });
    const lib = [mk('a-info', 'info', ['A', 'B']), mk('b-critical', 'critical', ['A']), mk('c-warning', 'warning', ['A']), mk('d-none', 'critical', ['Z'])];
    expect(recommendSops(lib, ['A', 'B']).map((r) => r.id)).toEqual(['a-info', 'b-critical', 'c-warning']);
    expect(recommendSops(lib, ['A']).map((r) => r.id)).toEqual(['b-critical', 'c-warning', 'a-info']);
    expect(recommendSops(lib, ['Nope'])).toEqual([]);
  });
});

describe('toolNamesIn', () => {
  it('returns backticked tool-shaped tokens once each, ignoring paths, commands and key: value hints', () => {
    const body = 'Run `errors` with `severity: critical`, then `read` of `kubelet/kubelet.log`, `quick_triage`, `errors` again, `crictl ps` and `--flag`.';
    expect(toolNamesIn(body)).toEqual(['errors', 'read', 'quick_triage']);
  });
});

describe('loadSops on bad input', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const good = (id: string) => `---\nid: ${id}\ntitle: "A title"\nseverity: high\ntriggers:\n  codes: [PLEGNotHealthy]\n  patterns: ["pleg"]\n---\n## When\n\nText.\n`;
  const dirWith = (files: Record<string, string>): string => {
    const d = mkdtempSync(join(tmpdir(), 'sops-'));
    dirs.push(d);
    mkdirSync(d, { recursive: true });
    for (const [name, text] of Object.entries(files)) writeFileSync(join(d, name), text);
    return d;
  };

  it('reads a valid directory and ignores files that are not markdown', () => {
    const got = loadSops(dirWith({ 'b-one.md': good('b-one'), 'a-two.md': good('a-two'), 'catalog.yaml': 'x: 1' }));
    expect(got.map((s) => s.id)).toEqual(['a-two', 'b-one']);
    expect(got[0]!.body).toBe('## When\n\nText.\n');
  });

  it.each([
    ['no front matter', '## When\n\nText.\n', /bad\.md: no YAML front matter/],
    ['front matter that is not YAML', '---\nid: [bad\n---\nText\n', /bad\.md: front matter is not valid YAML/],
    ['an unknown severity', good('bad').replace('severity: high', 'severity: urgent'), /bad\.md: front matter severity/],
    ['an upper-case pattern', good('bad').replace('"pleg"', '"PLEG"'), /bad\.md: front matter triggers\.patterns\.0/],
    ['an id that differs from the file name', good('other'), /bad\.md: front matter id "other" does not match/],
  ])('throws naming the file when a runbook has %s', (_what, text, message) => {
    const dir = dirWith({ 'ok.md': good('ok'), 'bad.md': text });
    expect(() => loadSops(dir)).toThrow(SopLoadError);
    expect(() => loadSops(dir)).toThrow(message);
  });
});
