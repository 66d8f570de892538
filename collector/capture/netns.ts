import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Where a capture runs (DESIGN.md §8): the host's network namespace, a pod's (by UID, or by
 * namespace/name looked up in /var/log/pods), a process's, or a namespace file such as /run/netns/x.
 */
export type CaptureTarget =
  | { kind: 'host' }
  | { kind: 'pod'; uid: string }
  | { kind: 'podName'; namespace: string; name: string }
  | { kind: 'pid'; pid: number }
  | { kind: 'netns'; path: string };

export interface ResolvedTarget {
  /** namespace file nsenter --net= joins, always under HOST_ROOT except an explicit netns path */
  nsPath: string;
  /** human-readable: "pod default/web (uid …) via pid 1234" */
  description: string;
  pid?: number;
  podUid?: string;
}

/** The caller can fix this: unknown pod, ambiguous name, process gone. */
export class TargetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TargetError';
  }
}

// UIDs are RFC 4122 strings; systemd slice names carry them with '_' for '-'. Anything else could
// walk the cgroup tree, so it is refused before it becomes part of a path.
const UID = /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/;
const UID_UNDERSCORE = /^[0-9a-fA-F]{8}_[0-9a-fA-F]{4}_[0-9a-fA-F]{4}_[0-9a-fA-F]{4}_[0-9a-fA-F]{12}$/;
// Kubernetes namespace (DNS label) and pod name (DNS subdomain): neither may contain '_', which is
// what makes the /var/log/pods/<ns>_<name>_<uid> split unambiguous.
const NS_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const POD_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

const under = (hostRoot: string, p: string) => join(hostRoot, p);
const isDir = (p: string) => stat(p).then((s) => s.isDirectory(), () => false);
const exists = (p: string) => stat(p).then(() => true, () => false);
const dirs = async (p: string): Promise<string[]> => {
  try {
    return (await readdir(p, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  } catch {
    return [];
  }
};

export async function resolveTarget(target: CaptureTarget, hostRoot = '/'): Promise<ResolvedTarget> {
  switch (target.kind) {
    case 'host':
      return hostNetns(hostRoot);
    case 'pid': {
      if (!Number.isSafeInteger(target.pid) || target.pid < 1) throw new TargetError(`pid ${target.pid} is not a process id`);
      return { nsPath: await nsOf(hostRoot, target.pid, `pid ${target.pid}`), description: `network namespace of pid ${target.pid}`, pid: target.pid };
    }
    case 'netns': {
      const st = await stat(target.path).catch(() => undefined);
      if (!st?.isFile()) throw new TargetError(`no network namespace file at ${target.path.slice(0, 200)} (give /run/netns/<name> or /proc/<pid>/ns/net)`);
      return { nsPath: target.path, description: `network namespace ${target.path}` };
    }
    case 'pod':
      return podByUid(hostRoot, target.uid);
    case 'podName': {
      const uid = await podUidFromLogDirs(hostRoot, target.namespace, target.name);
      const r = await podByUid(hostRoot, uid);
      return { ...r, description: `pod ${target.namespace}/${target.name} (uid ${uid}) via pid ${r.pid}` };
    }
  }
}

/**
 * PID 1 of the host's PID namespace lives in the host network namespace by definition. In local
 * mode (HOST_ROOT `/`) a sandbox may hide PID 1's namespace links from us (EACCES even as root);
 * then the host is where we run, and the capture stays in our own namespace.
 */
async function hostNetns(hostRoot: string): Promise<ResolvedTarget> {
  const p = under(hostRoot, 'proc/1/ns/net');
  const err = await stat(p).then(() => undefined, (e: NodeJS.ErrnoException) => e);
  if (!err) return { nsPath: p, description: 'host network namespace', pid: 1 };
  if (err.code === 'EACCES' && (hostRoot === '/' || hostRoot === '')) {
    return { nsPath: '/proc/self/ns/net', description: "host network namespace (this process's: PID 1's is not readable here)" };
  }
  throw new TargetError(`the host: cannot use ${p} (${err.code ?? err.message}); is HOST_ROOT's /proc the host's?`);
}

async function nsOf(hostRoot: string, pid: number, what: string): Promise<string> {
  const p = under(hostRoot, `proc/${pid}/ns/net`);
  // a namespace link stats as a file of the nsfs; a missing /proc/<pid> means the process is gone
  if (!(await exists(p))) throw new TargetError(`${what}: no ${p} (is the process gone, or is HOST_ROOT's /proc not the host's?)`);
  return p;
}

/**
 * Pod UID → kubepods cgroup → a PID → /proc/<pid>/ns/net, without crictl. Every container of a pod
 * (the pause sandbox included) shares the pod's network namespace, so any live PID in it will do.
 */
async function podByUid(hostRoot: string, uid: string): Promise<ResolvedTarget> {
  if (!UID.test(uid) && !UID_UNDERSCORE.test(uid)) throw new TargetError(`"${uid.slice(0, 80)}" is not a pod UID (expected e.g. 3f1b2c4d-1111-4a5b-9c8d-0123456789ab)`);
  const podDirs = await findPodCgroups(hostRoot, uid.toLowerCase().replace(/_/g, '-'));
  if (podDirs.length === 0) throw new TargetError(`no kubepods cgroup for pod UID ${uid} under ${under(hostRoot, 'sys/fs/cgroup')}: is the pod running on this node?`);
  for (const dir of podDirs) {
    for (const pid of await pidsUnder(dir)) {
      const nsPath = under(hostRoot, `proc/${pid}/ns/net`);
      if (await exists(nsPath)) return { nsPath, description: `pod uid ${uid} via pid ${pid}`, pid, podUid: uid };
    }
  }
  throw new TargetError(`pod UID ${uid} has cgroups (${podDirs[0]}) but no live process in them: is the pod terminating?`);
}

/**
 * The kubelet names pod cgroups by driver: systemd `kubepods[-<qos>]-pod<uid_with_underscores>.slice`
 * under `kubepods.slice[/kubepods-<qos>.slice]`, cgroupfs `pod<uid>` under `kubepods[/<qos>]`.
 * cgroup v2 has one tree at sys/fs/cgroup; v1 has one per controller (sys/fs/cgroup/<controller>/).
 */
export async function findPodCgroups(hostRoot: string, uid: string): Promise<string[]> {
  const base = under(hostRoot, 'sys/fs/cgroup');
  const roots = [base, ...(await dirs(base)).map((c) => join(base, c))];
  const underscored = uid.replace(/-/g, '_');
  const wanted = new Set([`pod${uid}`, `kubepods-pod${underscored}.slice`, ...['besteffort', 'burstable'].map((q) => `kubepods-${q}-pod${underscored}.slice`)]);
  const found: string[] = [];
  for (const root of roots) {
    for (const top of ['kubepods.slice', 'kubepods']) {
      const t = join(root, top);
      if (!(await isDir(t))) continue;
      for (const child of await dirs(t)) {
        if (wanted.has(child)) found.push(join(t, child));
        else for (const grand of await dirs(join(t, child))) if (wanted.has(grand)) found.push(join(t, child, grand));
      }
    }
  }
  return found;
}

/** PIDs of the pod's containers (each container cgroup's cgroup.procs), then the pod cgroup's own. */
async function pidsUnder(podDir: string): Promise<number[]> {
  const files = [...(await dirs(podDir)).map((c) => join(podDir, c, 'cgroup.procs')), join(podDir, 'cgroup.procs')];
  const pids: number[] = [];
  for (const f of files) {
    const text = await readFile(f, 'utf8').catch(() => '');
    for (const line of text.split('\n')) if (/^\d+$/.test(line.trim())) pids.push(Number(line.trim()));
  }
  return pids;
}

/**
 * Fallback when the caller has no Pod object: /var/log/pods/<namespace>_<name>_<uid>/. Exact match
 * only; a name that matches only by substring, or several pods (a recreated pod keeps its old log
 * directory until the kubelet cleans up), is an error that lists the candidates.
 */
export async function podUidFromLogDirs(hostRoot: string, namespace: string, name: string): Promise<string> {
  if (!NS_NAME.test(namespace)) throw new TargetError(`"${namespace.slice(0, 80)}" is not a Kubernetes namespace name`);
  if (!POD_NAME.test(name)) throw new TargetError(`"${name.slice(0, 80)}" is not a Kubernetes pod name`);
  const logDir = under(hostRoot, 'var/log/pods');
  const pods = (await dirs(logDir))
    .map((d) => d.split('_'))
    .filter((p): p is [string, string, string] => p.length === 3 && UID.test(p[2]!))
    .map(([ns, n, uid]) => ({ ns, n, uid }));
  const exact = pods.filter((p) => p.ns === namespace && p.n === name);
  const list = (ps: typeof pods) => ps.slice(0, 20).map((p) => `${p.ns}/${p.n} (uid ${p.uid})`).join(', ');
  if (exact.length === 1) return exact[0]!.uid;
  if (exact.length > 1) throw new TargetError(`pod ${namespace}/${name} matches ${exact.length} pods in ${logDir}: ${list(exact)}; give the pod UID instead`);
  const near = pods.filter((p) => p.ns === namespace && p.n.includes(name));
  if (near.length) throw new TargetError(`no pod named exactly ${namespace}/${name} on this node; ${near.length} pod(s) contain that name: ${list(near)}; give the full name or the pod UID`);
  throw new TargetError(`no pod ${namespace}/${name} on this node (looked in ${logDir})`);
}
