import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { MissingToolError } from '../../collector/capture/exec.js';
import { captureLocal, startLocalCapture } from '../../collector/capture/local-capture.js';
import { type CaptureTarget, TargetError } from '../../collector/capture/netns.js';
import { CaptureInputError } from '../../collector/capture/validate.js';
import type { BundleStore } from '../../core/store/bundle-store.js';
import { FsBundleStore } from '../../core/store/fs-store.js';
import { type LocalCaptureToolRequest, ToolError } from '../../mcp-server/tool-definition.js';

export interface CaptureCommandOptions {
  netns?: string;
  pid?: number;
  podUid?: string;
  /** namespace/name, resolved through /var/log/pods */
  pod?: string;
  interface: string;
  filter?: string;
  duration: number;
  maxPackets?: number;
  maxBytes?: number;
  store: string;
  node: string;
  hostRoot: string;
  json?: boolean;
}

/** What the caller can fix (bad filter, unknown pod, no tcpdump): exit 2 with the message. */
const isUserError = (e: unknown) => e instanceof CaptureInputError || e instanceof TargetError || e instanceof MissingToolError;

/**
 * `capture`: a bounded packet capture on this host (its netns, a pod's, a PID's or a netns file),
 * stored under captures/<node>/<id>/ with its analysis, ready for tcpdump_analyze.
 */
export async function runCaptureCommand(o: CaptureCommandOptions, log: Logger): Promise<number> {
  const given = [o.netns, o.pid, o.podUid, o.pod].filter((x) => x !== undefined).length;
  if (given > 1) {
    process.stderr.write('error: give at most one of --netns, --pid, --pod-uid, --pod (none: the host network namespace)\n');
    return 2;
  }
  const [podNs, podName, extra] = (o.pod ?? '').split('/');
  if (o.pod !== undefined && (!podNs || !podName || extra !== undefined)) {
    process.stderr.write(`error: --pod takes namespace/name, got ${JSON.stringify(o.pod.slice(0, 80))}\n`);
    return 2;
  }
  const target: CaptureTarget = o.netns ? { kind: 'netns', path: resolve(o.netns) }
    : o.pid !== undefined ? { kind: 'pid', pid: o.pid }
    : o.podUid ? { kind: 'pod', uid: o.podUid }
    : o.pod ? { kind: 'podName', namespace: podNs!, name: podName! }
    : { kind: 'host' };
  const store = new FsBundleStore(resolve(o.store));
  try {
    const r = await captureLocal(
      { store, node: o.node, target, iface: o.interface, filter: o.filter, durationSeconds: o.duration, maxPackets: o.maxPackets, maxBytes: o.maxBytes,
        onStarted: () => process.stderr.write(`capturing on ${o.interface} (${target.kind === 'host' ? 'host' : target.kind}) for up to ${o.duration} s...\n`) },
      { hostRoot: o.hostRoot, log },
    );
    const { target: t, analysis, ...rest } = r;
    if (o.json) {
      process.stdout.write(`${JSON.stringify({ ...rest, target: t.description, analysis }, null, 2)}\n`);
    } else {
      process.stdout.write(
        `capture ${r.node}/${r.captureId}: ${r.packets} packets, ${r.bytes} bytes in ${r.chunks} chunk(s), stopped by ${r.stoppedBy}${r.error ? ` (${r.error})` : ''}\n` +
          `  target ${t.description}, interface ${r.iface}${r.filter ? `, filter "${r.filter}"` : ''}\n` +
          `  DNS queries ${analysis.dns.queries}, responses ${analysis.dns.responses}; TCP syn ${analysis.tcp.syn} rst ${analysis.tcp.rst} refused ${analysis.tcp.refused}; ${analysis.anomalies.length} anomalies (call tcpdump_analyze node=${r.node})\n`,
      );
    }
    return r.stoppedBy === 'error' ? 1 : 0;
  } catch (err) {
    if (isUserError(err)) {
      process.stderr.write(`error: ${(err as Error).message}\n`);
      return 2;
    }
    throw err;
  }
}

/** ToolDeps.localCapture for the local MCP server: starts in the background, files under node `local`. */
export function localCaptureDep(store: BundleStore, log: Logger, hostRoot = '/') {
  return async (req: LocalCaptureToolRequest): Promise<{ captureId: string; endsBy: string }> => {
    const target: CaptureTarget = req.pod ? { kind: 'podName', namespace: req.pod.namespace, name: req.pod.name } : { kind: 'host' };
    try {
      const s = await startLocalCapture({ store, node: 'local', target, iface: req.iface, filter: req.filter, durationSeconds: req.durationSeconds, maxPackets: req.maxPackets }, { hostRoot, log });
      s.done.catch((err: unknown) => log.error({ err, captureId: s.captureId }, 'Capture failed'));
      return { captureId: s.captureId, endsBy: s.endsBy };
    } catch (err) {
      if (isUserError(err)) throw new ToolError(`${(err as Error).message}. Fix the request and call tcpdump_capture again.`);
      throw err;
    }
  };
}
