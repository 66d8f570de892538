import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawTarGz, type RawEntry } from '../../test/helpers/raw-tar.js';
import { ingestBundle } from '../ingest/ingest-bundle.js';
import { CompiledCatalog } from '../rules/compiled-catalog.js';
import { FsBundleStore } from '../store/fs-store.js';
import { COLLECTOR_MANIFEST_PATH, type CollectorManifestData, MAX_COLLECTOR_MANIFEST_BYTES, parseCollectorManifest } from './collector-manifest.js';

const catalog = CompiledCatalog.load();
let work: string;
let n = 0;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'collector-manifest-'));
});
afterAll(() => rm(work, { recursive: true, force: true }));

/** What collector/collect.ts writes, trimmed to a few rows. */
const account = (): CollectorManifestData => ({
  schema: 'eks-node-log-mcp/collector-manifest/v1',
  collector: { name: 'eks-node-log-mcp', version: '0.1.0' },
  method: 'agent', node: 'ip-10-0-1-2.ec2.internal', platform: 'al2023', osPrettyName: 'Amazon Linux 2023',
  categories: ['Base', 'Networking'],
  window: { since: '2026-01-01T10:00:00.000Z', until: '2026-01-01T12:00:00.000Z' },
  startedAt: '2026-01-01T12:00:00.000Z', finishedAt: '2026-01-01T12:00:09.000Z',
  instanceId: 'i-0123456789abcdef0', region: 'eu-west-1', availabilityZone: 'eu-west-1a', privileged: true, stoppedEarly: null,
  sources: [
    { id: 'kubelet-journal', category: 'Base', kind: 'command', status: 'ok', outputs: ['kubelet/kubelet.log'], bytes: 70, ms: 12, redactions: 0 },
    { id: 'iptables-save', category: 'Networking', kind: 'command', status: 'missing', reason: 'command not found: iptables-save', outputs: [], bytes: 0, ms: 3, redactions: 0 },
    { id: 'kubelet-kubeconfig', category: 'Base', kind: 'file', status: 'ok', outputs: ['kubelet/kubeconfig.yaml'], bytes: 400, ms: 1, redactions: 3 },
  ],
  redactions: [{ path: 'kubelet/kubeconfig.yaml', count: 3 }],
  summary: { ok: 2, missing: 1, failed: 0, timeout: 0, truncated: 0, skipped: 0 },
});
const log: RawEntry = { path: 'kubelet/kubelet.log', body: 'Jan  1 11:00:00 h kubelet[1]: I0101 11:00:00.000000 1 x.go:1] "ok"\n' };

/** The hub's way in: a stream with the collection's bundle id. */
async function ingestStream(entries: RawEntry[]) {
  const store = new FsBundleStore(join(work, `store-${++n}`));
  return ingestBundle({ store, catalog, node: 'n1', method: 'agent', source: { kind: 'stream', stream: Readable.from([rawTarGz(entries)]), name: 'c.tar.gz', bundleId: `b${n}` } });
}

describe("ingest reads our collector's collector-manifest.json", () => {
  it('fills categories, window, collection failures, redactions, collector and collection time into the stored manifest', async () => {
    const r = await ingestStream([{ path: COLLECTOR_MANIFEST_PATH, body: JSON.stringify(account()) }, log]);
    expect(r.manifest).toMatchObject({
      method: 'agent',
      collector: { name: 'eks-node-log-mcp', version: '0.1.0' },
      categories: ['Base', 'Networking'],
      window: { since: '2026-01-01T10:00:00.000Z', until: '2026-01-01T12:00:00.000Z' },
      collectedAt: '2026-01-01T12:00:00.000Z',
      collectionFailures: [{ source: 'iptables-save', reason: 'missing: command not found: iptables-save' }],
      redactions: [{ path: 'kubelet/kubeconfig.yaml', count: 3 }],
      instanceId: 'i-0123456789abcdef0',
      region: 'eu-west-1',
    });
    expect(r.manifest.skipped).toEqual([]);
    // kept as a file of the bundle like any other
    expect(r.manifest.files.map((f) => f.path)).toContain(COLLECTOR_MANIFEST_PATH);
  });

  it('without one (an eks-log-collector.sh or hand-made archive) the fields stay empty', async () => {
    const r = await ingestStream([log]);
    expect(r.manifest).toMatchObject({ categories: [], window: null, collectionFailures: [], redactions: [], collector: { name: 'unknown', version: null } });
  });

  it('when it is not JSON, ingest records it as invalid, keeps the file and succeeds', async () => {
    const r = await ingestStream([{ path: COLLECTOR_MANIFEST_PATH, body: '{"schema": "eks-node-log-mcp/collector-manifest/v1", "categ' }, log]);
    expect(r.manifest.skipped).toEqual([{ path: COLLECTOR_MANIFEST_PATH, reason: 'invalid-collector-manifest', detail: expect.stringContaining('not JSON') }]);
    expect(r.manifest.categories).toEqual([]);
    expect(r.manifest.files.map((f) => f.path).sort()).toEqual([COLLECTOR_MANIFEST_PATH, 'kubelet/kubelet.log']);
  });

  it('when a path in it is not a bundle path (..), the whole account is refused: the archive is never trusted for paths', async () => {
    const bad = { ...account(), redactions: [{ path: '../../etc/shadow', count: 1 }] };
    const r = await ingestStream([{ path: COLLECTOR_MANIFEST_PATH, body: JSON.stringify(bad) }, log]);
    expect(r.manifest.skipped).toEqual([{ path: COLLECTOR_MANIFEST_PATH, reason: 'invalid-collector-manifest', detail: expect.stringContaining('redactions') }]);
    expect(r.manifest.redactions).toEqual([]);
    expect(r.manifest.window).toBeNull();
  });

  it('when it is larger than the cap, it is not read (nor held in memory) and recorded', async () => {
    const huge = JSON.stringify({ ...account(), pad: 'x'.repeat(MAX_COLLECTOR_MANIFEST_BYTES) });
    const r = await ingestStream([{ path: COLLECTOR_MANIFEST_PATH, body: huge }, log]);
    expect(r.manifest.skipped).toEqual([{ path: COLLECTOR_MANIFEST_PATH, reason: 'invalid-collector-manifest', detail: expect.stringContaining(`larger than ${MAX_COLLECTOR_MANIFEST_BYTES}`) }]);
    expect(r.manifest.categories).toEqual([]);
  });
});

describe('parseCollectorManifest', () => {
  it('accepts what the collector writes and names the field of a wrong one, not its value', () => {
    expect(parseCollectorManifest(Buffer.from(JSON.stringify(account())))).toMatchObject({ ok: true, manifest: { categories: ['Base', 'Networking'] } });
    const r = parseCollectorManifest(Buffer.from(JSON.stringify({ ...account(), window: { since: 'secret-token-abc', until: 'x' } })));
    expect(r).toMatchObject({ ok: false, detail: expect.stringContaining('window.since') });
    expect(JSON.stringify(r)).not.toContain('secret-token-abc');
  });
});
