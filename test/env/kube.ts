import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort, stopChild, tailOf } from './procs.js';

/**
 * A real Kubernetes control plane for tests (DESIGN.md §10, TEST-ENV.md §1–2): etcd 3.6 and
 * kube-apiserver 1.36 built from the Go module proxy by scripts/setup-kube.sh, started with
 * envtest-like flags — RBAC, a service-account issuer and signing key (so TokenRequest and
 * TokenReview are real), a static token file for an admin and RBAC-bound test users, CEL admission.
 * No controller-manager runs: no garbage collection, no Pods from Deployments, no default
 * ServiceAccount (so the ServiceAccount admission plugin is off, as in envtest).
 */

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const exec = promisify(execFile);
const READY_TIMEOUT_MS = 90_000;

/** Static bearer tokens of the token file: user name → token. `admin` is in system:masters. */
export const STATIC_USERS = {
  admin: { token: 'enlm-admin-token', groups: ['system:masters'] },
  alice: { token: 'enlm-alice-token', groups: ['enlm:sre'] },
  mallory: { token: 'enlm-mallory-token', groups: [] as string[] },
} as const;

export interface ControlPlane {
  /** https://127.0.0.1:<port> */
  url: string;
  caFile: string;
  /** PEM of the cluster CA */
  caPem: string;
  adminToken: string;
  /** kubeconfig with the admin user (context "enlm-test") */
  kubeconfigPath: string;
  /** where binaries live (kubectl, helm when built) */
  binDir: string;
  /** a kubeconfig for another bearer token, written beside the admin one */
  kubeconfigFor(user: string, token: string): Promise<string>;
  stop(): Promise<void>;
}

function toolsBin(): string {
  const cache = process.env.ENLM_TOOLS_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'eks-node-log-mcp', 'tools');
  return join(cache, 'bin');
}

let setupOnce: Promise<string> | undefined;
/** Runs scripts/setup-kube.sh (idempotent; builds from the Go proxy on a cold machine: minutes). */
export function ensureKubeBinaries(): Promise<string> {
  setupOnce ??= (async () => {
    const bin = toolsBin();
    if (['etcd', 'kube-apiserver', 'kubectl'].every((b) => existsSync(join(bin, b)))) return bin;
    try {
      const { stdout } = await exec('bash', [join(repoRoot, 'scripts', 'setup-kube.sh'), 'all'], { cwd: repoRoot, timeout: 40 * 60_000, maxBuffer: 64 << 20 });
      return stdout.trim().split('\n').pop() ?? bin;
    } catch (err) {
      setupOnce = undefined;
      const e = err as { stderr?: string; message: string };
      throw new Error(`setup-kube.sh failed: ${e.message}\n${(e.stderr ?? '').slice(-4096)}`);
    }
  })();
  return setupOnce;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  await exec('openssl', args, { cwd });
}

/** CA, apiserver serving cert for 127.0.0.1/localhost, and the service-account signing key. */
async function makePki(dir: string): Promise<void> {
  await openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=enlm-test-ca'], dir);
  await openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'tls.key', '-out', 'tls.csr', '-subj', '/CN=kube-apiserver'], dir);
  await writeFile(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\n');
  await openssl(['x509', '-req', '-in', 'tls.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'tls.crt', '-days', '2', '-extfile', 'san.ext'], dir);
  await openssl(['genrsa', '-out', 'sa.key', '2048'], dir);
}

async function waitReady(url: string, check: () => Promise<boolean>, child: ChildProcess, stderr: () => string, what: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${what} exited (code ${child.exitCode})\n--- stderr (tail) ---\n${stderr()}`);
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what} not ready at ${url} within ${READY_TIMEOUT_MS / 1000} s\n--- stderr (tail) ---\n${stderr()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** GET with the cluster CA and a bearer token; true on 200. (fetch cannot take a CA without undici.) */
function httpsOk(url: string, ca: string, token: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = httpsGet(url, { ca, headers: { authorization: `Bearer ${token}` }, timeout: 2000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
  });
}

function kubeconfigYaml(url: string, caPem: string, user: string, token: string): string {
  const ca = Buffer.from(caPem).toString('base64');
  return [
    'apiVersion: v1', 'kind: Config', 'current-context: enlm-test',
    'clusters:', '- name: enlm-test', '  cluster:', `    server: ${url}`, `    certificate-authority-data: ${ca}`,
    'users:', `- name: ${user}`, '  user:', `    token: ${token}`,
    'contexts:', '- name: enlm-test', '  context:', '    cluster: enlm-test', `    user: ${user}`, '',
  ].join('\n');
}

/** Starts etcd + kube-apiserver on free loopback ports, data on tmpfs when available. */
export async function startControlPlane(): Promise<ControlPlane> {
  const binDir = await ensureKubeBinaries();
  const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  const dir = await mkdtemp(join(base, 'enlm-kube-'));
  await makePki(dir);
  const tokens = Object.entries(STATIC_USERS).map(([u, v]) => `${v.token},${u},${u}-uid,"${v.groups.join(',')}"`);
  await writeFile(join(dir, 'tokens.csv'), tokens.join('\n') + '\n', { mode: 0o600 });

  const [etcdPort, peerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const etcdUrl = `http://127.0.0.1:${etcdPort}`;
  const etcd = spawn(join(binDir, 'etcd'), [
    `--data-dir=${join(dir, 'etcd')}`, `--listen-client-urls=${etcdUrl}`, `--advertise-client-urls=${etcdUrl}`,
    `--listen-peer-urls=http://127.0.0.1:${peerPort}`, `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
    `--initial-cluster=default=http://127.0.0.1:${peerPort}`, '--unsafe-no-fsync', '--log-level=warn',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  const etcdErr = tailOf(etcd.stderr);
  const stopAll: ChildProcess[] = [etcd];
  const stop = async () => {
    for (const c of stopAll.reverse()) await stopChild(c);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitReady(etcdUrl, async () => (await fetch(`${etcdUrl}/health`, { signal: AbortSignal.timeout(1000) })).ok, etcd, etcdErr, 'etcd');

    const url = `https://127.0.0.1:${apiPort}`;
    const api = spawn(join(binDir, 'kube-apiserver'), [
      `--etcd-servers=${etcdUrl}`, '--bind-address=127.0.0.1', '--advertise-address=127.0.0.1', `--secure-port=${apiPort}`,
      `--tls-cert-file=${join(dir, 'tls.crt')}`, `--tls-private-key-file=${join(dir, 'tls.key')}`,
      `--client-ca-file=${join(dir, 'ca.crt')}`,
      `--service-account-issuer=${url}`, `--service-account-key-file=${join(dir, 'sa.key')}`,
      `--service-account-signing-key-file=${join(dir, 'sa.key')}`, '--service-cluster-ip-range=10.0.0.0/24',
      '--authorization-mode=Node,RBAC', `--token-auth-file=${join(dir, 'tokens.csv')}`,
      '--disable-admission-plugins=ServiceAccount', '--allow-privileged=true',
      `--cert-dir=${join(dir, 'certs')}`, '--v=0',
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    stopAll.push(api);
    const apiErr = tailOf(api.stderr, 16_384);
    const caPem = await readFile(join(dir, 'ca.crt'), 'utf8');
    const adminToken = STATIC_USERS.admin.token;
    await waitReady(url, () => httpsOk(`${url}/readyz`, caPem, adminToken), api, apiErr, 'kube-apiserver');

    const kubeconfigPath = join(dir, 'kubeconfig');
    await writeFile(kubeconfigPath, kubeconfigYaml(url, caPem, 'admin', adminToken), { mode: 0o600 });
    return {
      url, caFile: join(dir, 'ca.crt'), caPem, adminToken, kubeconfigPath, binDir,
      async kubeconfigFor(user, token) {
        const p = join(dir, `kubeconfig-${user.replace(/[^a-z0-9-]/gi, '_')}`);
        await writeFile(p, kubeconfigYaml(url, caPem, user, token), { mode: 0o600 });
        return p;
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
