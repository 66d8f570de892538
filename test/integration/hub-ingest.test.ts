import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import * as k8s from '@kubernetes/client-node';
import pino from 'pino';
import { create } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectionBundleId } from '../../core/bundle/bundle-id.js';
import { CompiledCatalog } from '../../core/rules/compiled-catalog.js';
import { bundleKeys } from '../../core/store/bundle-store.js';
import { FsBundleStore } from '../../core/store/fs-store.js';
import type { NodeLogCollection, PacketCapture } from '../../crds/types.js';
import { TokenAuthenticator } from '../../mcp-server/auth/token-review.js';
import { CollectorAuth, HUB_AUDIENCE } from '../../mcp-server/ingest/collector-auth.js';
import { CustomResources } from '../../mcp-server/ingest/custom-resources.js';
import type { IngestContext } from '../../mcp-server/ingest/ingest-context.js';
import { startIngestServer } from '../../mcp-server/ingest/ingest-server.js';
import { kubeClients } from '../../mcp-server/kube/kube-client.js';
import type { ControlPlane } from '../env/kube.js';
import { httpSend } from '../helpers/http-upload.js';
import { mergePatch, startTestCluster } from '../helpers/kube-fixtures.js';
import { analyzePcap } from '../../core/pcap/analyze.js';
import { knownScenario } from '../helpers/pcap-scenario.js';
import { dns, ether, ipv4, pcapFile, udp } from '../helpers/pcap-synth.js';
import { SAMPLE, writeSampleBundle } from '../fixtures/sample-bundle.js';
import { buildFakeHostRoot } from '../fixtures/fake-host-root.js';
import { writeBundleArchive } from '../../collector/bundle-writer.js';
import { COLLECTOR_VERSION, collectNode } from '../../collector/collect.js';
import { loadSources } from '../../collector/sources.js';
import type { Manifest } from '../../core/bundle/manifest.js';

// The hub's ingest endpoint against a real kube-apiserver: real projected-style service-account
// tokens (TokenRequest with the hub audience), real TokenReview, real NodeLogCollection status.
const NS = 'enlm-hub';
const NODE = SAMPLE.host;
const MAX_BUNDLE = 256 * 1024;
const G = { group: 'eksnodelog.io', version: 'v1alpha1' };

let cp: ControlPlane;
let kc: k8s.KubeConfig;
let core: k8s.CoreV1Api;
let co: k8s.CustomObjectsApi;
let dir: string;
let store: FsBundleStore;
let archive: Buffer;
let ingest: Awaited<ReturnType<typeof startIngestServer>>;
let agentToken: string;
let ctx: IngestContext;
let collectorAuth: CollectorAuth;

async function saToken(name: string, audiences: string[] | undefined): Promise<string> {
  await core.createNamespacedServiceAccount({ namespace: NS, body: { metadata: { name } } }).catch((e: { code?: number }) => {
    if (e.code !== 409) throw e;
  });
  const tr = await core.createNamespacedServiceAccountToken({ namespace: NS, name, body: { spec: { audiences: audiences ?? [], expirationSeconds: 600 } } });
  return tr.status!.token!;
}

async function createNlc(name: string): Promise<NodeLogCollection> {
  return (await co.createNamespacedCustomObject({ ...G, plural: 'nodelogcollections', namespace: NS, body: { apiVersion: 'eksnodelog.io/v1alpha1', kind: 'NodeLogCollection', metadata: { name }, spec: { nodeName: NODE } } })) as NodeLogCollection;
}
const getNlc = async (name: string) => (await co.getNamespacedCustomObject({ ...G, plural: 'nodelogcollections', namespace: NS, name })) as NodeLogCollection;
const putBundle = (name: string, body: Buffer | Readable, token = agentToken, contentType = 'application/gzip') =>
  httpSend(ingest.url, { path: `/ingest/v1/bundles/${NS}/${name}`, token, contentType, body });

beforeAll(async () => {
  ({ cp, kc, core, custom: co } = await startTestCluster(NS));
  dir = await mkdtemp(join(tmpdir(), 'hub-ingest-'));
  archive = await readFile((await writeSampleBundle(dir)).archive);
  store = new FsBundleStore(join(dir, 'store'));
  const log = pino({ level: 'silent' });
  const kube = kubeClients(kc);
  ctx = { store, catalog: CompiledCatalog.load(), resources: new CustomResources(kube.custom), log, now: Date.now, uriBase: 'store://', maxBundleBytes: MAX_BUNDLE, maxChunkBytes: 64 * 1024, inFlight: new Set() };
  collectorAuth = new CollectorAuth(new TokenAuthenticator({ authn: kube.authn, audiences: [HUB_AUDIENCE], log }), [`${NS}:enlm-agent`], log);
  ingest = await startIngestServer(ctx, collectorAuth, { host: '127.0.0.1', port: 0 });
  agentToken = await saToken('enlm-agent', [HUB_AUDIENCE]);
});
afterAll(async () => {
  await ingest?.close();
  await cp?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('hub ingest: bundles', () => {
  it('a collector token for the hub audience uploads a bundle: 201, and the collection is Completed with its findings', async () => {
    const nlc = await createNlc('ok-1');
    // what the operator and an agent that met a hub outage wrote before this upload
    const before = [
      { type: 'Accepted', status: 'True', reason: 'MethodAgent', message: 'agent ready', lastTransitionTime: '2026-01-01T00:00:00Z' },
      { type: 'Uploaded', status: 'False', reason: 'HubUnavailable', message: 'upload attempt 1 failed; retrying', lastTransitionTime: '2026-01-01T00:00:00Z' },
    ];
    await co.patchNamespacedCustomObjectStatus({ ...G, plural: 'nodelogcollections', namespace: NS, name: 'ok-1', body: { status: { phase: 'Collecting', conditions: before } } }, mergePatch);
    const r = await putBundle('ok-1', archive);
    expect(r.status).toBe(201);
    const expectedId = collectionBundleId(nlc.metadata.creationTimestamp, nlc.metadata.uid!);
    expect(r.body).toMatchObject({ bundleId: expectedId, node: NODE });
    const st = (await getNlc('ok-1')).status!;
    expect(st.phase).toBe('Completed');
    expect(st.completionTime).toBeTruthy();
    // completed and Uploaded=True in one write; the operator's condition is kept
    expect(st.conditions?.find((c) => c.type === 'Uploaded')).toMatchObject({ status: 'True', reason: 'HubAccepted' });
    expect(st.conditions?.find((c) => c.type === 'Accepted')).toMatchObject(before[0]!);
    expect(st.bundle).toEqual({ id: expectedId, uri: `store://bundles/${NODE}/${expectedId}/`, sizeBytes: archive.length, files: expect.any(Number) as number });
    const f = st.findings!;
    expect(f.critical! + f.high! + f.warning! + f.info!).toBe(f.total);
    expect(f).toMatchObject((r.body as { findings: object }).findings);
    // the sample bundle is an IP-exhaustion node: the true problem is the first finding
    expect(f.top![0]).toMatchObject({ id: 'F-001', code: 'IPAMDNoIPs' });
    expect(f.top!.length).toBeLessThanOrEqual(5);
    expect(await store.head(bundleKeys(NODE, expectedId).manifest)).toBeDefined();
  });

  it('an upload cut off mid-way leaves the collection open, and the retry lands in the same bundle id, complete', async () => {
    const nlc = await createNlc('retry-1');
    const cut = await httpSend(ingest.url, { path: `/ingest/v1/bundles/${NS}/retry-1`, token: agentToken, contentType: 'application/gzip', body: archive, abortAfterBytes: Math.floor(archive.length / 2) });
    expect(cut.status).toBe(0);
    await new Promise((r) => setTimeout(r, 300));
    const mid = (await getNlc('retry-1')).status!;
    expect(mid.phase).toBe('Ingesting');
    expect(mid.message).toContain('interrupted');
    const r = await putBundle('retry-1', archive);
    expect(r.status).toBe(201);
    const id = collectionBundleId(nlc.metadata.creationTimestamp, nlc.metadata.uid!);
    expect(r.body.bundleId).toBe(id);
    expect((await getNlc('retry-1')).status?.bundle?.id).toBe(id);
    // the stored files are exactly those the retry's manifest lists
    const keys = bundleKeys(NODE, id);
    const manifest = JSON.parse((await store.getBuffer(keys.manifest)).toString('utf8')) as { files: { path: string }[] };
    const stored: string[] = [];
    for await (const o of store.list(keys.filesPrefix)) stored.push(o.key.slice(keys.filesPrefix.length));
    expect(stored.sort()).toEqual(manifest.files.map((f) => f.path).sort());
  });

  it("an archive from our collector's bundle writer keeps the collector's account in the stored manifest.json", async () => {
    const nlc = await createNlc('account-1');
    // what an agent does: collect a (fake) host root, pack it with the collector's writer, PUT it
    const hostRoot = await buildFakeHostRoot(join(dir, 'account-host'));
    const stage = join(dir, 'account-stage');
    const cm = await collectNode({
      hostRoot, stagingDir: stage, node: NODE, method: 'agent', categories: ['Base', 'Networking'], sinceMs: Date.now() - 3_600_000,
      exec: { inPod: false }, log: pino({ level: 'silent' }), minFreeBytes: 1, imdsBaseUrl: 'http://127.0.0.1:1',
      sources: loadSources().filter((s) => s.kind === 'file'),
    });
    const tgz = join(dir, 'account-1.tar.gz');
    await writeBundleArchive(stage, tgz, Date.parse(cm.startedAt));
    const r = await putBundle('account-1', await readFile(tgz));
    expect(r.status).toBe(201);
    const id = collectionBundleId(nlc.metadata.creationTimestamp, nlc.metadata.uid!);
    const m = JSON.parse((await store.getBuffer(bundleKeys(NODE, id).manifest)).toString('utf8')) as Manifest;
    expect(m.method).toBe('agent');
    expect(m.collector).toEqual({ name: 'eks-node-log-mcp', version: COLLECTOR_VERSION });
    expect(m.categories).toEqual(['Base', 'Networking']);
    expect(m.window).toEqual(cm.window);
    expect(m.collectedAt).toBe(cm.startedAt);
    const failures = cm.sources.filter((s) => s.status !== 'ok').map((s) => ({ source: s.id, reason: `${s.status}: ${s.reason}` }));
    expect(failures.length).toBeGreaterThan(0);
    expect(m.collectionFailures).toEqual(failures);
    expect(m.redactions.length).toBeGreaterThan(0);
    expect(m.redactions).toEqual(cm.redactions);
    expect(m.skipped).toEqual([]);
  });

  it('a malformed collector-manifest.json is recorded as invalid and the upload still succeeds', async () => {
    await createNlc('account-bad-1');
    const stage = join(dir, 'account-bad');
    await mkdir(join(stage, 'kubelet'), { recursive: true });
    await writeFile(join(stage, 'collector-manifest.json'), '{"schema": "eks-node-log-mcp/collector-manifest/v1", "categories": [');
    await writeFile(join(stage, 'kubelet/kubelet.log'), 'Mar 14 08:00:00 h kubelet[1]: I0314 08:00:00.000000 1 x.go:1] "ok"\n');
    const tgz = join(dir, 'account-bad.tar.gz');
    await create({ gzip: true, file: tgz, cwd: stage }, ['collector-manifest.json', 'kubelet']);
    const r = await putBundle('account-bad-1', await readFile(tgz));
    expect(r.status).toBe(201);
    const st = (await getNlc('account-bad-1')).status!;
    expect(st.phase).toBe('Completed');
    const m = JSON.parse((await store.getBuffer(bundleKeys(NODE, st.bundle!.id!).manifest)).toString('utf8')) as Manifest;
    expect(m.skipped).toEqual([{ path: 'collector-manifest.json', reason: 'invalid-collector-manifest', detail: expect.stringContaining('not JSON') }]);
    expect(m.files.map((f) => f.path).sort()).toEqual(['collector-manifest.json', 'kubelet/kubelet.log']);
    expect(m).toMatchObject({ categories: [], window: null, collectionFailures: [], redactions: [] });
  });

  it('a token issued for another audience is refused with 401', async () => {
    await createNlc('aud-1');
    const apiToken = await saToken('enlm-agent', undefined);
    const r = await putBundle('aud-1', archive, apiToken);
    expect(r.status).toBe(401);
    expect(String(r.headers['www-authenticate'])).toMatch(/^Bearer /);
    expect((await getNlc('aud-1')).status?.phase).toBeUndefined();
  });

  it('no token is 401 with a Bearer challenge', async () => {
    const r = await httpSend(ingest.url, { path: `/ingest/v1/bundles/${NS}/aud-1`, contentType: 'application/gzip', body: archive });
    expect(r.status).toBe(401);
    expect(String(r.headers['www-authenticate'])).toMatch(/^Bearer /);
  });

  it('a hub-audience token of a service account that is not a collector is refused with 403', async () => {
    await createNlc('other-sa-1');
    const token = await saToken('not-the-agent', [HUB_AUDIENCE]);
    const r = await putBundle('other-sa-1', archive, token);
    expect(r.status).toBe(403);
    expect(r.body.error).toContain(`system:serviceaccount:${NS}:not-the-agent`);
  });

  it('an upload for a collection that does not exist is 404', async () => {
    const r = await putBundle('no-such-collection', archive);
    expect(r.status).toBe(404);
  });

  it('an upload for a collection already Completed is 409 and changes nothing', async () => {
    await createNlc('done-1');
    await co.patchNamespacedCustomObjectStatus({ ...G, plural: 'nodelogcollections', namespace: NS, name: 'done-1', body: { status: { phase: 'Completed', message: 'done before' } } }, mergePatch);
    const r = await putBundle('done-1', archive);
    expect(r.status).toBe(409);
    expect((await getNlc('done-1')).status).toMatchObject({ phase: 'Completed', message: 'done before' });
  });

  it('an upload past the size cap is 413 (streamed, no Content-Length) and fails the collection', async () => {
    await createNlc('big-1');
    // incompressible content: the gzip stream itself passes the cap while the tar is still valid
    const big = join(dir, 'big');
    await mkdir(big, { recursive: true });
    await writeFile(join(big, 'blob.bin'), randomBytes(MAX_BUNDLE * 2));
    const tgz = join(dir, 'big.tar.gz');
    await create({ gzip: true, file: tgz, cwd: big }, ['blob.bin']);
    const r = await putBundle('big-1', Readable.from([await readFile(tgz)]));
    expect(r.status).toBe(413);
    const st = (await getNlc('big-1')).status!;
    expect(st.phase).toBe('Failed');
    expect(st.message).toContain(`limit of ${MAX_BUNDLE} bytes`);
  });

  it('a declared Content-Length past the cap is 413 before any byte is read', async () => {
    await createNlc('big-2');
    const r = await putBundle('big-2', Buffer.alloc(MAX_BUNDLE + 1));
    expect(r.status).toBe(413);
  });

  it('a corrupt gzip is 422 and the collection is Failed with the reason', async () => {
    await createNlc('corrupt-1');
    const bad = Buffer.concat([archive.subarray(0, 10), Buffer.from('this is not deflate data at all'.repeat(50))]);
    const r = await putBundle('corrupt-1', bad);
    expect(r.status).toBe(422);
    const st = (await getNlc('corrupt-1')).status!;
    expect(st.phase).toBe('Failed');
    expect(st.message).toMatch(/corrupt|rejected/);
    expect(st.message).not.toContain(agentToken);
  });

  it('a body that is not application/gzip is 415', async () => {
    await createNlc('type-1');
    const r = await putBundle('type-1', archive, agentToken, 'text/plain');
    expect(r.status).toBe(415);
  });

  it('path traversal in namespace or name (.., %2F) is 400 and touches nothing', async () => {
    for (const path of [
      `/ingest/v1/bundles/${NS}/..`,
      `/ingest/v1/bundles/../${NS}`,
      `/ingest/v1/bundles/${NS}/..%2F..%2Fetc`,
      `/ingest/v1/bundles/${NS}%2F..%2Fkube-system/x`,
      `/ingest/v1/bundles/${NS}/a%2Fb`,
      `/ingest/v1/bundles/${NS}/../../etc/passwd`,
      `/ingest/v1/bundles/${NS}/%ZZ`,
    ]) {
      const r = await httpSend(ingest.url, { path, token: agentToken, contentType: 'application/gzip', body: archive });
      expect(r.status, path).toBe(400);
    }
  });
});

describe('hub ingest: slow clients', () => {
  it('a client that stops sending mid-upload is cut off after the idle timeout (slowloris)', async () => {
    await createNlc('slow-1');
    const slow = await startIngestServer(ctx, collectorAuth, { host: '127.0.0.1', port: 0, idleTimeoutMs: 500 });
    try {
      const u = new URL(slow.url);
      const sock = connect(Number(u.port), u.hostname);
      const t0 = Date.now();
      const closed = new Promise<number>((r) => sock.on('close', () => r(Date.now() - t0)));
      sock.on('error', () => undefined);
      sock.write(`PUT /ingest/v1/bundles/${NS}/slow-1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${agentToken}\r\nContent-Type: application/gzip\r\nContent-Length: 100000\r\n\r\n`);
      sock.write(archive.subarray(0, 100));
      const ms = await closed;
      expect(ms).toBeGreaterThanOrEqual(400);
      expect(ms).toBeLessThan(10_000);
    } finally {
      await slow.close();
    }
  });
});

describe('hub ingest: packet captures', () => {
  const dnsPcap = (n: number) =>
    pcapFile(1, Array.from({ length: n }, (_, i) => ({ ts: 1_700_000_000 + i, data: ether(ipv4('10.0.0.5', '172.20.0.10', 17, udp(40000 + i, 53, dns({ id: i, name: 'example.com' })))) })));

  async function createPcap(name: string): Promise<PacketCapture> {
    return (await co.createNamespacedCustomObject({ ...G, plural: 'packetcaptures', namespace: NS, body: { apiVersion: 'eksnodelog.io/v1alpha1', kind: 'PacketCapture', metadata: { name }, spec: { nodeName: NODE, durationSeconds: 30 } } })) as PacketCapture;
  }

  it('chunks then complete: the capture is analysed as one and the PacketCapture is Completed with packets and anomalies', async () => {
    const pc = await createPcap('cap-1');
    // a known scenario (DNS errors, resets, retransmissions…) cut in two rotated files, as tcpdump -C writes them
    const recs = knownScenario().packets.map((p) => ({ ts: p.ts, data: ether(p.ip, p.v6 ? 0x86dd : 0x0800) }));
    const half = Math.floor(recs.length / 2);
    const c1 = pcapFile(1, recs.slice(0, half));
    const c2 = pcapFile(1, recs.slice(half));
    const whole = await analyzePcap([pcapFile(1, recs)]);
    expect(whole.anomalies.length).toBeGreaterThan(0);
    for (const [seq, body] of [[1, c1], [2, c2]] as const) {
      const r = await httpSend(ingest.url, { path: `/ingest/v1/captures/${NS}/cap-1/chunks/${seq}`, token: agentToken, contentType: 'application/vnd.tcpdump.pcap', body });
      expect(r.status, `chunk ${seq}`).toBe(201);
    }
    const done = await httpSend(ingest.url, { method: 'POST', path: `/ingest/v1/captures/${NS}/cap-1/complete`, token: agentToken });
    expect(done.status).toBe(200);
    const id = collectionBundleId(pc.metadata.creationTimestamp, pc.metadata.uid!);
    expect(done.body).toMatchObject({ captureId: id, chunks: 2, packets: recs.length });
    const got = (await co.getNamespacedCustomObject({ ...G, plural: 'packetcaptures', namespace: NS, name: 'cap-1' })) as PacketCapture;
    expect(got.status).toMatchObject({ phase: 'Completed', captureId: id, packets: recs.length, bytes: c1.length + c2.length, uri: `store://captures/${NODE}/${id}/` });
    expect(got.status!.conditions?.find((c) => c.type === 'Uploaded')).toMatchObject({ status: 'True', reason: 'HubAccepted' });
    // the same anomalies as the capture analysed in one piece
    expect(got.status!.anomalies!.total).toBe(whole.anomalies.length);
    const bySev = got.status!.anomalies!.bySeverity!;
    expect(bySev.critical! + bySev.warning! + bySev.info!).toBe(whole.anomalies.length);
    expect(got.status!.anomalies!.top!.length).toBe(Math.min(5, whole.anomalies.length));
  });

  it('a chunk that is not a pcap file is 422 and is not kept', async () => {
    await createPcap('cap-bad');
    const r = await httpSend(ingest.url, { path: `/ingest/v1/captures/${NS}/cap-bad/chunks/1`, token: agentToken, contentType: 'application/vnd.tcpdump.pcap', body: Buffer.from('GIF89a not a capture') });
    expect(r.status).toBe(422);
    const done = await httpSend(ingest.url, { method: 'POST', path: `/ingest/v1/captures/${NS}/cap-bad/complete`, token: agentToken });
    expect(done.status).toBe(409);
  });

  it('a chunk sequence out of range is 400, and a non-collector token is 403', async () => {
    await createPcap('cap-2');
    expect((await httpSend(ingest.url, { path: `/ingest/v1/captures/${NS}/cap-2/chunks/0`, token: agentToken, contentType: 'application/vnd.tcpdump.pcap', body: dnsPcap(1) })).status).toBe(400);
    const other = await saToken('not-the-agent', [HUB_AUDIENCE]);
    expect((await httpSend(ingest.url, { path: `/ingest/v1/captures/${NS}/cap-2/chunks/1`, token: other, contentType: 'application/vnd.tcpdump.pcap', body: dnsPcap(1) })).status).toBe(403);
  });
});
