import { z } from 'zod';
import type { CelRule, SchemaProps } from './schema-kit.js';

/**
 * Builds a zod schema that accepts what the API server admits for the same CRD schema: structural
 * checks, defaults, and the CEL rules through their TypeScript mirrors. Unknown fields are rejected,
 * as kubectl's default strict field validation does. Transition rules (`oldSelf`) are skipped:
 * they compare with the stored object, which only the API server has.
 */
export function zodFromSchema(s: SchemaProps): z.ZodType {
  let t = base(s);
  const rules = (s['x-kubernetes-validations'] ?? []).filter((r): r is CelRule & { mirror: (v: never) => boolean } => r.mirror !== undefined);
  if (rules.length > 0) {
    t = t.superRefine((v, ctx) => {
      for (const r of rules) {
        if (!r.mirror(v as never)) {
          ctx.addIssue({ code: 'custom', message: r.message, path: r.fieldPath ? r.fieldPath.replace(/^\./, '').split('.') : [], params: { rule: r.rule } });
        }
      }
    });
  }
  return t;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

function base(s: SchemaProps): z.ZodType {
  switch (s.type) {
    case 'string': {
      if (s.enum) return z.enum(s.enum as [string, ...string[]]);
      let t = z.string();
      if (s.minLength !== undefined) t = t.min(s.minLength);
      if (s.maxLength !== undefined) t = t.max(s.maxLength);
      if (s.pattern !== undefined) t = t.regex(new RegExp(s.pattern), `must match ${s.pattern}`);
      if (s.format === 'date-time') return t.refine((v) => RFC3339.test(v) && !Number.isNaN(Date.parse(v)), 'must be an RFC 3339 date-time');
      return t;
    }
    case 'integer': {
      let t = z.number().int();
      if (s.minimum !== undefined) t = t.min(s.minimum);
      if (s.maximum !== undefined) t = t.max(s.maximum);
      return t;
    }
    case 'number':
      return z.number();
    case 'boolean':
      return z.boolean();
    case 'array': {
      let t = z.array(zodFromSchema(s.items ?? { description: '' }));
      if (s.minItems !== undefined) t = t.min(s.minItems);
      if (s.maxItems !== undefined) t = t.max(s.maxItems);
      if (s['x-kubernetes-list-type'] === 'set') {
        return t.refine((v) => new Set(v.map((x) => JSON.stringify(x))).size === v.length, 'must not hold duplicates (a set)');
      }
      return t;
    }
    case 'object': {
      if (!s.properties) return z.record(z.string(), z.unknown());
      const required = new Set(s.required ?? []);
      const shape: Record<string, z.ZodType> = {};
      for (const [k, p] of Object.entries(s.properties)) {
        const t = zodFromSchema(p);
        const dflt = p.default;
        // A function default: every parse gets its own copy of array/object defaults.
        shape[k] = dflt !== undefined ? t.optional().default(() => structuredClone(dflt) as never) : required.has(k) ? t : t.optional();
      }
      return z.strictObject(shape);
    }
    default:
      return z.unknown();
  }
}
