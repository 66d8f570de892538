import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { batchId, rand4, resourceName } from './resource-names.js';

const T = Date.parse('2024-03-14T10:05:09.123Z');
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

describe('resourceName', () => {
  it('is <node>-<yyyymmddhhmmss>-<rand4>, with the dots of an EKS node name turned into dashes', () => {
    expect(resourceName('ip-10-0-1-23.ec2.internal', T, 'ab12')).toBe('ip-10-0-1-23-ec2-internal-20240314100509-ab12');
    expect(resourceName('i-0123456789abcdef0', T, 'zz99')).toBe('i-0123456789abcdef0-20240314100509-zz99');
  });

  it('shortens a long target so the name stays a DNS-1123 label of at most 63 characters', () => {
    const n = resourceName(`${'a'.repeat(200)}.compute.internal`, T, 'ab12');
    expect(n.length).toBeLessThanOrEqual(63);
    expect(n).toMatch(LABEL);
    expect(n.endsWith('-20240314100509-ab12')).toBe(true);
  });

  it('is a DNS-1123 label for any target string (property)', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (target) => {
      const n = resourceName(target, T, rand4());
      return n.length <= 63 && LABEL.test(n);
    }));
  });

  it('a target of only symbols still gets a name', () => {
    expect(resourceName('...', T, 'ab12')).toBe('node-20240314100509-ab12');
  });

  it('rand4 gives four [a-z0-9] characters, and two calls rarely agree', () => {
    const seen = new Set(Array.from({ length: 50 }, () => rand4()));
    for (const r of seen) expect(r).toMatch(/^[a-z0-9]{4}$/);
    expect(seen.size).toBeGreaterThan(45);
  });

  it('a batch id is a valid label value', () => {
    expect(batchId(T, 'q1w2')).toBe('batch-20240314100509-q1w2');
  });
});
