import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as k8s from '@kubernetes/client-node';
import { parse } from 'yaml';
import { GROUP, NODE_LOG_COLLECTION, PACKET_CAPTURE, parseNodeLogCollectionSpec, parsePacketCaptureSpec, VERSION } from '../../crds/types.js';
import { type CrdSample, invalidSamples, SAMPLES_DIR, validSamples } from '../helpers/crd-samples.js';
import { type ControlPlane, startControlPlane } from '../env/kube.js';

// The CRDs on a real kube-apiserver (test/env/kube.ts): structural schema, defaults, CEL and
// transition rules, status subresource and printer columns as the API server enforces them.

const NS = 'crd-samples';
const CRD_DIR = join(SAMPLES_DIR, '..');
const pluralOf = (kind: string) => (kind === NODE_LOG_COLLECTION.kind ? NODE_LOG_COLLECTION.plural : PACKET_CAPTURE.plural);
const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

interface StatusBody { code?: number; message?: string; details?: { causes?: Array<{ field?: string; message?: string }> } }

function statusOf(err: unknown): StatusBody & { http: number } {
  const e = err as { code?: number; body?: unknown };
  const body = typeof e.body === 'string' ? (JSON.parse(e.body) as StatusBody) : ((e.body ?? {}) as StatusBody);
  return { ...body, http: e.code ?? 0 };
}

async function rejection(p: Promise<unknown>): Promise<StatusBody & { http: number }> {
  try {
    await p;
  } catch (err) {
    return statusOf(err);
  }
  throw new Error('the API server admitted it');
}

describe('CRDs on a real API server', () => {
  let cp: ControlPlane;
  let kc: k8s.KubeConfig;
  let co: k8s.CustomObjectsApi;

  const kubectl = (...args: string[]) => promisify(execFile)(join(cp.binDir, 'kubectl'), ['--kubeconfig', cp.kubeconfigPath, ...args]);
  const create = (s: CrdSample, dryRun?: string) =>
    co.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: NS, plural: pluralOf(s.object.kind), body: s.object, fieldValidation: 'Strict', dryRun });

  beforeAll(async () => {
    cp = await startControlPlane();
    kc = new k8s.KubeConfig();
    kc.loadFromFile(cp.kubeconfigPath);
    co = kc.makeApiClient(k8s.CustomObjectsApi);
    // kubectl, as a user installs them. Not ApiextensionsV1Api.createCustomResourceDefinition: its
    // model serializer expects client-side names (_enum, _default, xKubernetesValidations) and
    // silently drops enum, default and the CEL rules of a CRD read from YAML.
    const files = [NODE_LOG_COLLECTION.plural, PACKET_CAPTURE.plural].map((p) => join(CRD_DIR, `${p}.${GROUP}.yaml`));
    await kubectl('apply', '--server-side', ...files.flatMap((f) => ['-f', f]));
    await kubectl('wait', '--for=condition=Established', '--timeout=30s', ...[NODE_LOG_COLLECTION.plural, PACKET_CAPTURE.plural].map((p) => `crd/${p}.${GROUP}`));
    const deadline = Date.now() + 30_000;
    const ext = kc.makeApiClient(k8s.ApiextensionsV1Api);
    const stored = await ext.readCustomResourceDefinition({ name: `${NODE_LOG_COLLECTION.plural}.${GROUP}` });
    const want = parse(readFileSync(files[0]!, 'utf8')) as { spec: { versions: Array<{ schema: { openAPIV3Schema: { properties: { spec: { properties: { method: { enum: string[] } } } } } } }> } };
    expect(stored.spec.versions[0]?.schema?.openAPIV3Schema?.properties?.spec?.properties?.method?._enum).toEqual(want.spec.versions[0]!.schema.openAPIV3Schema.properties.spec.properties.method.enum);
    await kc.makeApiClient(k8s.CoreV1Api).createNamespace({ body: { metadata: { name: NS } } });
    // The first request after Established can still race discovery; wait until a list answers.
    for (const plural of [NODE_LOG_COLLECTION.plural, PACKET_CAPTURE.plural]) {
      for (;;) {
        try {
          await co.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: NS, plural });
          break;
        } catch (err) {
          if (Date.now() > deadline) throw err;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    }
  });
  afterAll(async () => cp?.stop());

  it('admits every valid sample, and the defaults it applies are exactly what the zod parser applies', async () => {
    for (const s of validSamples()) {
      const created = (await create(s)) as { spec: unknown; metadata: { generation: number } };
      const parsed = s.object.kind === NODE_LOG_COLLECTION.kind ? parseNodeLogCollectionSpec(s.object.spec) : parsePacketCaptureSpec(s.object.spec);
      expect(created.spec, s.file).toEqual(parsed);
      expect(created.metadata.generation).toBe(1);
    }
  });

  it.each(invalidSamples().map((s) => [s.file, s] as const))('rejects %s at admission with a 422 naming the rule', async (_f, s) => {
    const st = await rejection(create(s, 'All'));
    expect(st.http).toBe(422);
    expect(st.code).toBe(422);
    const causes = st.details?.causes ?? [];
    const hit = causes.find((c) => (c.field ?? '').startsWith(s.expectField!) && (!s.expectMessage || (c.message ?? '').includes(s.expectMessage)));
    expect(hit, JSON.stringify(causes)).toBeDefined();
  });

  it('rejects any change to the spec once created (spec is immutable) but lets labels change', async () => {
    const s = validSamples().find((x) => x.file === 'nlc-by-node.yaml')!;
    const name = s.object.metadata.name;
    const patch = (body: unknown) => co.patchNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: NS, plural: NODE_LOG_COLLECTION.plural, name, body }, mergePatch);
    const st = await rejection(patch({ spec: { categories: ['Base'] } }));
    expect(st.http).toBe(422);
    expect(JSON.stringify(st.details?.causes)).toContain('spec is immutable');
    const labelled = (await patch({ metadata: { labels: { team: 'sre' } } })) as { metadata: { labels: Record<string, string> } };
    expect(labelled.metadata.labels.team).toBe('sre');
  });

  it('keeps status behind the status subresource and validates it (phase enum, condition shape)', async () => {
    const name = validSamples().find((x) => x.file === 'nlc-by-node.yaml')!.object.metadata.name;
    const req = { group: GROUP, version: VERSION, namespace: NS, plural: NODE_LOG_COLLECTION.plural, name };
    // A status in the main resource is ignored (the subresource owns it).
    const main = (await co.patchNamespacedCustomObject({ ...req, body: { status: { phase: 'Completed' } } }, mergePatch)) as { status?: unknown };
    expect(main.status).toBeUndefined();

    const status = {
      phase: 'Completed', observedGeneration: 1, method: 'agent', instanceId: 'i-0123456789abcdef0', region: 'us-west-2',
      bundle: { id: '20261124T101500Z-ab12', uri: 's3://enlm-hub/bundles/ip-10-0-1-23/20261124T101500Z-ab12/', sizeBytes: 123456, files: 210 },
      findings: { critical: 1, high: 2, warning: 3, info: 4, total: 10, top: [{ id: 'F-001', code: 'IPAMDNoIPs', severity: 'critical', title: 'No IPs', count: 12 }] },
      conditions: [{ type: 'Ready', status: 'True', reason: 'Ingested', message: 'bundle indexed', lastTransitionTime: '2026-11-24T10:15:00Z', observedGeneration: 1 }],
      startTime: '2026-11-24T10:14:00Z', completionTime: '2026-11-24T10:15:00Z', message: 'done', attempts: 1,
    };
    const updated = (await co.patchNamespacedCustomObjectStatus({ ...req, body: { status } }, mergePatch)) as { status: typeof status };
    expect(updated.status).toEqual(status);

    const bad = await rejection(co.patchNamespacedCustomObjectStatus({ ...req, body: { status: { phase: 'Done' } } }, mergePatch));
    expect(bad.http).toBe(422);
    expect(JSON.stringify(bad.details?.causes)).toContain('status.phase');
    const badCond = await rejection(co.patchNamespacedCustomObjectStatus({ ...req, body: { status: { conditions: [{ type: 'Ready', status: 'Maybe', reason: 'x', message: '', lastTransitionTime: '2026-11-24T10:15:00Z' }] } } }, mergePatch));
    expect(badCond.http).toBe(422);

    const { stdout } = await kubectl('get', 'nlc', name, '-n', NS);
    const [header, row] = stdout.trim().split('\n');
    expect(header!.split(/\s+/)).toEqual(['NAME', 'NODE', 'METHOD', 'PHASE', 'FINDINGS', 'CRITICAL', 'AGE']);
    expect(row!.split(/\s+/).slice(0, 6)).toEqual([name, 'ip-10-0-1-23.us-west-2.compute.internal', 'agent', 'Completed', '10', '1']);
  });

  it('answers kubectl by short name and by the eksnodelog category, with the PacketCapture columns', async () => {
    const pcap = (await kubectl('-n', NS, 'get', 'pcap')).stdout.trim().split('\n');
    expect(pcap[0]!.split(/\s+/)).toEqual(['NAME', 'NODE', 'METHOD', 'PHASE', 'PACKETS', 'ANOMALIES', 'AGE']);
    const names = (await kubectl('-n', NS, 'get', 'eksnodelog', '-o', 'name')).stdout.trim().split('\n').sort();
    // -o name prints <singular>.<group>/<name>
    const singular = (kind: string) => (kind === NODE_LOG_COLLECTION.kind ? NODE_LOG_COLLECTION.singular : PACKET_CAPTURE.singular);
    const expected = validSamples().map((s) => `${singular(s.object.kind)}.${GROUP}/${s.object.metadata.name}`).sort();
    expect(names).toEqual(expected);
  });
});
