import { createHash } from 'node:crypto';
import picomatch from 'picomatch';
import { buildAutomaton, type Automaton } from './aho-corasick.js';
import { loadCatalog } from './load-catalog.js';
import type { RuleSpec } from './rule-schema.js';

export interface CompiledRule {
  readonly index: number;
  readonly spec: RuleSpec;
  readonly patterns: readonly RegExp[];
  readonly exclude: readonly RegExp[];
  readonly appliesTo: (path: string) => boolean;
}

/**
 * The catalog compiled once per process: one automaton over every keyword of every rule, a
 * keyword -> rules table, and per-rule regexes. The scanner asks the automaton which lines can
 * match at all, and only those lines are decoded and tried against the regexes.
 */
export class CompiledCatalog {
  readonly rules: readonly CompiledRule[];
  readonly automaton: Automaton;
  /** keyword id -> indices of the rules that listed it */
  readonly keywordRules: readonly (readonly number[])[];
  /** sha256 over the rule specs: recorded in every manifest as the rules version. */
  readonly version: string;
  private readonly pathMasks = new Map<string, Uint8Array>();

  constructor(specs: readonly RuleSpec[]) {
    this.rules = specs.map((spec, index) => ({
      index,
      spec,
      patterns: spec.patterns.map((p) => new RegExp(p, 'i')),
      exclude: spec.exclude.map((p) => new RegExp(p, 'i')),
      appliesTo: picomatch(spec.sources, { dot: true }),
    }));
    const kwIndex = new Map<string, number>();
    const keywordRules: number[][] = [];
    specs.forEach((spec, ri) => {
      for (const k of spec.keywords) {
        const key = k.toLowerCase();
        let id = kwIndex.get(key);
        if (id === undefined) {
          id = keywordRules.length;
          kwIndex.set(key, id);
          keywordRules.push([]);
        }
        if (!keywordRules[id]!.includes(ri)) keywordRules[id]!.push(ri);
      }
    });
    this.keywordRules = keywordRules;
    this.automaton = buildAutomaton([...kwIndex.keys()]);
    this.version = createHash('sha256').update(JSON.stringify(specs)).digest('hex').slice(0, 16);
  }

  static load(dir?: string): CompiledCatalog {
    return new CompiledCatalog(loadCatalog(dir));
  }

  /** 1 for each rule whose source globs cover `path`; cached because a bundle has few hundred paths. */
  maskFor(path: string): Uint8Array {
    let m = this.pathMasks.get(path);
    if (!m) {
      m = new Uint8Array(this.rules.length);
      for (const r of this.rules) if (r.appliesTo(path)) m[r.index] = 1;
      this.pathMasks.set(path, m);
    }
    return m;
  }

  /**
   * Rules that fire on one decoded line, given the rule candidates the automaton found. A fallback
   * rule fires only when no specific rule did, so a generic "kubelet error" never doubles a finding.
   */
  evaluate(line: string, candidates: Iterable<number>, mask: Uint8Array): number[] {
    const fired: number[] = [];
    const fallbacks: number[] = [];
    for (const ri of candidates) {
      if (!mask[ri]) continue;
      const r = this.rules[ri]!;
      if (!r.patterns.some((p) => p.test(line))) continue;
      if (r.exclude.some((p) => p.test(line))) continue;
      (r.spec.fallback ? fallbacks : fired).push(ri);
    }
    const out = fired.length ? fired : fallbacks;
    return out.sort((a, b) => a - b);
  }

  /** Candidates for one line through the automaton: the slow path used by tests and small inputs. */
  candidatesOf(line: string): Set<number> {
    const a = this.automaton;
    const buf = Buffer.from(line, 'utf8');
    const cands = new Set<number>();
    let s = 0;
    for (let i = 0; i < buf.length; i++) {
      const b = buf[i]!;
      if (b === 10) {
        s = 0;
        continue;
      }
      s = a.delta[s * a.classes + a.classOf[b]!]!;
      if (a.hasOutput[s]) for (const k of a.outputs[s]!) for (const ri of this.keywordRules[k]!) cands.add(ri);
    }
    return cands;
  }

  /** Codes that fire for one line of the file at `path`. */
  matchLine(path: string, line: string): string[] {
    return this.evaluate(line, this.candidatesOf(line), this.maskFor(path)).map((ri) => this.rules[ri]!.spec.code);
  }
}
