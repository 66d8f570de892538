import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Logger } from 'pino';
import type { PcapAnalysis } from '../../core/pcap/analyze.js';
import { captureAnalysis, captureKeys, type CaptureMeta } from '../../core/query/captures.js';
import type { BundleStore } from '../../core/store/bundle-store.js';
import type { CaptureTarget } from './netns.js';
import { type CaptureResult, type CaptureRunnerOptions, prepareCapture, runPrepared } from './run-capture.js';
import type { CaptureLimits } from './validate.js';

export interface LocalCaptureRequest {
  store: BundleStore;
  /** node name the capture is filed under (`local` for this host) */
  node: string;
  target: CaptureTarget;
  iface?: string;
  filter?: string;
  durationSeconds?: number;
  maxPackets?: number;
  maxBytes?: number;
  chunkBytes?: number;
  /** tcpdump is listening (tests start their traffic here) */
  onStarted?: () => void;
}

export interface LocalCaptureResult extends CaptureResult {
  node: string;
  captureId: string;
  analysis: PcapAnalysis;
}

const NODE = /^[A-Za-z0-9._-]{1,253}$/;

/** Sorts by time like bundle ids; the random tail keeps two captures in one second apart. */
const newCaptureId = (now: Date) => `${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(5).toString('hex')}`;

/**
 * Local mode: captures on this host into the store under `captures/<node>/<captureId>/` (one object
 * per chunk, written as each chunk completes), then analyses every chunk in order once, so
 * tcpdump_analyze answers from the stored analysis.
 */
export async function captureLocal(req: LocalCaptureRequest, o: CaptureRunnerOptions = {}): Promise<LocalCaptureResult> {
  const started = await startLocalCapture(req, o);
  return started.done;
}

/**
 * Validates everything first (so a bad filter or interface is refused before anything is stored
 * or run), then starts the capture; `done` settles when it ends. The MCP tool returns after the
 * start and lets the capture run; the CLI waits for `done`.
 */
export async function startLocalCapture(req: LocalCaptureRequest, o: CaptureRunnerOptions = {}): Promise<{ captureId: string; endsBy: string; done: Promise<LocalCaptureResult> }> {
  if (!NODE.test(req.node)) throw new Error(`"${req.node.slice(0, 80)}" is not a valid node name`);
  const limits: Partial<CaptureLimits> = {
    ...(req.durationSeconds !== undefined && { durationSeconds: req.durationSeconds }),
    ...(req.maxPackets !== undefined && { maxPackets: req.maxPackets }),
    ...(req.maxBytes !== undefined && { maxBytes: req.maxBytes }),
    ...(req.chunkBytes !== undefined && { chunkBytes: req.chunkBytes }),
  };
  const prepared = await prepareCapture({ target: req.target, iface: req.iface, filter: req.filter, limits }, o);
  const now = new Date();
  const captureId = newCaptureId(now);
  const keys = captureKeys(req.node, captureId);
  const endsBy = new Date(now.getTime() + (prepared.limits.durationSeconds + 30) * 1000).toISOString();
  const base = { captureId, node: req.node, target: prepared.target.description, iface: prepared.iface, filter: prepared.filter, limits: prepared.limits, startedAt: now.toISOString() };
  const writeMeta = (m: CaptureMeta) => req.store.put(keys.meta, JSON.stringify(m, null, 2));
  await writeMeta({ ...base, phase: 'Capturing', endsBy });
  const log: Logger | undefined = o.log;

  const done = (async (): Promise<LocalCaptureResult> => {
    let result: CaptureResult;
    try {
      result = await runPrepared(
        prepared,
        {
          onStarted: req.onStarted && (() => req.onStarted!()),
          onChunk: async (c) => {
            await req.store.put(keys.chunk(c.index), createReadStream(c.path));
          },
        },
        o,
      );
    } catch (err) {
      await writeMeta({ ...base, phase: 'Failed', error: err instanceof Error ? err.message : String(err) }).catch(() => undefined);
      throw err;
    }
    const { target: _t, ...rest } = result;
    await writeMeta({ ...base, ...rest, target: result.target.description, phase: result.chunks > 0 ? 'Completed' : 'Failed' });
    if (result.chunks === 0) throw new Error(`capture ${captureId} produced no pcap data${result.error ? `: ${result.error}` : ''}`);
    const { analysis } = await captureAnalysis(req.store, req.node, captureId, true);
    log?.info({ node: req.node, captureId, packets: result.packets, stoppedBy: result.stoppedBy }, 'Stored capture');
    return { ...result, node: req.node, captureId, analysis };
  })();
  return { captureId, endsBy, done };
}
