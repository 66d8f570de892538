import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CRD_DEFINITIONS } from './definitions.js';
import { generatedFiles } from './gen-crds.js';
import type { SchemaProps } from './schema-kit.js';

const here = dirname(fileURLToPath(import.meta.url));

type Node = Record<string, unknown> & { properties?: Record<string, Node>; items?: Node };

function walk(node: Node, path: string, visit: (n: Node, path: string) => void): void {
  visit(node, path);
  for (const [k, v] of Object.entries(node.properties ?? {})) walk(v, `${path}.${k}`, visit);
  if (node.items) walk(node.items, `${path}[]`, visit);
}

function crdFromDisk(plural: string): Node & { spec: Record<string, any> } {
  return parse(readFileSync(join(here, `${plural}.eksnodelog.io.yaml`), 'utf8'));
}

describe('CRD generation', () => {
  it.each(generatedFiles().map((f) => [f.path, f.content] as const))(
    'the committed crds/%s is exactly what gen-crds renders from the typed source (run `npm run crds:gen` after editing crds/*-crd.ts)',
    (path, content) => {
      expect(readFileSync(join(here, path), 'utf8')).toBe(content);
    },
  );
});

describe.each(CRD_DEFINITIONS.map((d) => [d.kind, d] as const))('%s CRD', (_kind, d) => {
  const crd = crdFromDisk(d.plural);
  const version = crd.spec.versions[0];
  const root = version.schema.openAPIV3Schema as Node;

  it('is namespaced in eksnodelog.io/v1alpha1 with its short name, the eksnodelog category and a status subresource', () => {
    expect(crd.metadata).toMatchObject({ name: `${d.plural}.eksnodelog.io` });
    expect(crd.spec).toMatchObject({ group: 'eksnodelog.io', scope: 'Namespaced' });
    expect(crd.spec.names.shortNames).toEqual([d.kind === 'NodeLogCollection' ? 'nlc' : 'pcap']);
    expect(crd.spec.names.categories).toEqual(['eksnodelog']);
    expect(crd.spec.versions).toHaveLength(1);
    expect(version).toMatchObject({ name: 'v1alpha1', served: true, storage: true, subresources: { status: {} } });
  });

  it('describes every field of spec and status, and types every node (a structural schema)', () => {
    const missing: string[] = [];
    for (const part of ['spec', 'status']) {
      walk(root.properties![part]!, part, (n, p) => {
        if (typeof n.description !== 'string' || n.description.length < 3) missing.push(`${p}: description`);
        if (typeof n.type !== 'string') missing.push(`${p}: type`);
        if (n.properties && 'additionalProperties' in n) missing.push(`${p}: properties and additionalProperties`);
        if (n.type === 'string' && !n.enum && n.format !== 'date-time' && typeof n.maxLength !== 'number') missing.push(`${p}: maxLength (CEL cost bound)`);
        if (n.type === 'array' && typeof n.maxItems !== 'number') missing.push(`${p}: maxItems (CEL cost bound)`);
      });
    }
    expect(missing).toEqual([]);
  });

  it('keeps TypeScript-only keys out of the YAML and gives every non-transition CEL rule a mirror', () => {
    const text = readFileSync(join(here, `${d.plural}.eksnodelog.io.yaml`), 'utf8');
    expect(text).not.toMatch(/mirror|tsName/);
    const unmirrored: string[] = [];
    const visit = (s: SchemaProps, p: string): void => {
      for (const r of s['x-kubernetes-validations'] ?? []) if (!r.mirror && !r.rule.includes('oldSelf')) unmirrored.push(`${p}: ${r.rule}`);
      for (const [k, v] of Object.entries(s.properties ?? {})) visit(v, `${p}.${k}`);
      if (s.items) visit(s.items, `${p}[]`);
    };
    visit(d.spec, 'spec');
    expect(unmirrored).toEqual([]);
  });

  it('makes the spec immutable with a transition rule', () => {
    const rules = (root.properties!.spec!['x-kubernetes-validations'] as Array<{ rule: string }>).map((r) => r.rule);
    expect(rules).toContain('self == oldSelf');
    expect(root.required).toEqual(['spec']);
  });

  it('has a status phase enum of exactly Pending|Collecting|Ingesting|Completed|Failed and standard conditions', () => {
    const status = root.properties!.status!;
    expect(status.properties!.phase!.enum).toEqual(['Pending', 'Collecting', 'Ingesting', 'Completed', 'Failed']);
    const cond = status.properties!.conditions!;
    expect(cond['x-kubernetes-list-type']).toBe('map');
    expect(cond['x-kubernetes-list-map-keys']).toEqual(['type']);
    expect(cond.items!.required).toEqual(['type', 'status', 'lastTransitionTime', 'reason', 'message']);
    expect(Object.keys(status.properties!)).toEqual(expect.arrayContaining(['observedGeneration', 'method', 'instanceId', 'region', 'startTime', 'completionTime', 'message', 'attempts']));
  });

  it('prints Node, Method, Phase, its counts and Age, each from a path the schema declares', () => {
    const cols = version.additionalPrinterColumns as Array<{ name: string; jsonPath: string; priority?: number }>;
    const main = cols.filter((c) => !c.priority).map((c) => c.name);
    expect(main).toEqual(d.kind === 'NodeLogCollection'
      ? ['Node', 'Method', 'Phase', 'Findings', 'Critical', 'Age']
      : ['Node', 'Method', 'Phase', 'Packets', 'Anomalies', 'Age']);
    for (const c of cols) {
      if (c.jsonPath.startsWith('.metadata.')) continue;
      let n: Node | undefined = root;
      for (const seg of c.jsonPath.slice(1).split('.')) n = n?.properties?.[seg];
      expect(n, `${c.name} → ${c.jsonPath}`).toBeDefined();
    }
  });
});
