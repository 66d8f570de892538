import picomatch from 'picomatch';
import type { RuleSpec } from './rule-schema.js';

/** A concrete bundle path inside a rule's first source glob, to replay its fixtures under. */
export function fixturePathOf(rule: RuleSpec): string {
  if (rule.fixturePath) return rule.fixturePath;
  const glob = rule.sources[0] ?? '**';
  const path = glob
    .replace(/\{([^},]*)[^}]*\}/g, '$1')
    .replace(/\*\*\//g, '')
    .replace(/\*\*/g, 'any.log')
    .replace(/\*/g, 'x')
    .replace(/\?/g, 'x');
  if (!picomatch.isMatch(path, rule.sources, { dot: true })) {
    throw new Error(`${rule.code}: cannot derive a fixture path from ${glob}; set fixturePath`);
  }
  return path;
}
