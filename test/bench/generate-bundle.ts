import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { once } from 'node:events';

/**
 * Generates a large eks-log-collector.sh-shaped bundle directory for the ingest benchmark. The
 * lines are the shapes of a busy node: mostly routine kubelet/containerd/IPAMD/syslog info lines,
 * about 1 in 200 an error a rule should catch. Deterministic (a fixed LCG), so runs compare.
 */
const HOST = 'ip-10-0-37-112.ec2.internal';
let seed = 42;
const rnd = (n: number) => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return (seed >>> 8) % n; // the low bits of this LCG are periodic: use the high ones
};
const p2 = (n: number) => String(n).padStart(2, '0');
const clock = (i: number) => {
  const s = Math.floor(i / 40);
  return { h: p2(8 + Math.floor(s / 3600) % 16), m: p2(Math.floor(s / 60) % 60), s: p2(s % 60), us: String(100000 + rnd(899999)) };
};
const pods = ['shop/web-7d9c5b8f6-x2x9k', 'shop/cart-6f7b8c9d5-p2k4j', 'kube-system/coredns-5d8c7b9f6-q8w4z', 'payments/api-5b6c7d8e9-m3n7p'];

type Gen = (i: number) => string;
const kubelet: Gen = (i) => {
  const t = clock(i);
  const pre = `Mar 14 ${t.h}:${t.m}:${t.s} ${HOST} kubelet[3120]: `;
  const k = `0314 ${t.h}:${t.m}:${t.s}.${t.us}    3120`;
  const pod = pods[rnd(pods.length)];
  switch (rnd(200)) {
    case 0: return `${pre}E${k} pod_workers.go:1298] "Error syncing pod, skipping" err="failed to \\"StartContainer\\" for \\"app\\" with CrashLoopBackOff: \\"back-off 5m0s restarting failed container=app pod=${pod}\\"" pod="${pod}"`;
    case 1: return `${pre}E${k} kubelet.go:2359] "Skipping pod synchronization" err="PLEG is not healthy: pleg was last seen active 3m2.1s ago; threshold is 3m0s"`;
    case 2: return `${pre}I${k} prober.go:107] "Probe failed" probeType="Readiness" pod="${pod}" podUID="77aa" containerName="app" probeResult="failure" output="HTTP probe failed with statuscode: 503"`;
    default: {
      const r = rnd(3);
      if (r === 0) return `${pre}I${k} kubelet.go:2453] "SyncLoop (PLEG): event for pod" pod="${pod}" event={"ID":"8a1b${rnd(9999)}","Type":"ContainerStarted","Data":"3f2e${rnd(99999)}"}`;
      if (r === 1) return `${pre}I${k} kubelet_getters.go:218] "Pod status is inconsistent with cached status for pod, a reconciliation should be triggered" pod="${pod}"`;
      return `${pre}I${k} reconciler_common.go:258] "operationExecutor.VerifyControllerAttachedVolume started for volume \\"kube-api-access-${rnd(99999)}\\" (UniqueName: \\"kubernetes.io/projected/4b1c-kube-api-access\\") pod=\\"${pod}\\""`;
    }
  }
};
const containerd: Gen = (i) => {
  const t = clock(i);
  const pre = `Mar 14 ${t.h}:${t.m}:${t.s} ${HOST} containerd[2841]: time="2024-03-14T${t.h}:${t.m}:${t.s}.${t.us}123Z"`;
  if (rnd(200) === 0) return `${pre} level=error msg="RunPodSandbox for &PodSandboxMetadata{Name:web,Namespace:shop,} failed, error" error="failed to setup network for sandbox \\"9f1e${rnd(9999)}\\": plugin type=\\"aws-cni\\" name=\\"aws-cni\\" failed (add): add cmd: failed to assign an IP address to container"`;
  return rnd(2)
    ? `${pre} level=info msg="PullImage \\"602401143452.dkr.ecr.us-east-1.amazonaws.com/eks/pause:3.9\\" returns image reference \\"sha256:0c4b${rnd(99999)}\\""`
    : `${pre} level=info msg="StartContainer for \\"${rnd(1e9).toString(16)}\\" returns successfully"`;
};
const ipamd: Gen = (i) => {
  const t = clock(i);
  const ts = `2024-03-14T${t.h}:${t.m}:${t.s}.${t.us.slice(0, 3)}Z`;
  if (rnd(200) === 0) return `{"level":"error","ts":"${ts}","caller":"ipamd/ipamd.go:874","msg":"Failed to increase pool size due to not able to allocate ENI AllocENI: error attaching ENI: attachENI: failed to attach ENI:InsufficientFreeAddressesInSubnet: There are not enough free addresses in subnet"}`;
  return `{"level":"debug","ts":"${ts}","caller":"ipamd/ipamd.go:1367","msg":"IP pool stats: Total IPs/Prefixes = 29/0, AssignedIPs/CooldownIPs: ${rnd(29)}/0, c.maxIPsPerENI = 10"}`;
};
const messages: Gen = (i) => {
  const t = clock(i);
  const pre = `Mar 14 ${t.h}:${t.m}:${t.s} ${HOST}`;
  if (rnd(400) === 0) return `${pre} kernel: Memory cgroup out of memory: Killed process ${rnd(99999)} (java) total-vm:8123456kB, anon-rss:4012345kB, file-rss:0kB, shmem-rss:0kB, UID:1000 pgtables:9000kB oom_score_adj:985`;
  return rnd(2)
    ? `${pre} systemd[1]: Started session-${rnd(9999)}.scope - Session ${rnd(9999)} of User ec2-user.`
    : `${pre} dhclient[2211]: XMT: Solicit on eth0, interval ${rnd(120000)}ms.`;
};
// CoreDNS with its `log` plugin on (EKS's default Corefile has it off): a query log where one
// query in five is a search-domain expansion answered NXDOMAIN
const coredns: Gen = (i) => {
  const t = clock(i);
  const pre = `2024-03-14T${t.h}:${t.m}:${t.s}.${t.us}123Z stdout F [INFO] 10.0.37.${rnd(250)}:${rnd(65000)} - ${rnd(65535)}`;
  return rnd(5) === 0
    ? `${pre} "A IN sts.us-east-1.amazonaws.com.shop.svc.cluster.local. udp 71 false 512" NXDOMAIN qr,aa,rd 164 0.000${rnd(999)}s`
    : `${pre} "A IN cart.shop.svc.cluster.local. udp 45 false 512" NOERROR qr,aa,rd 102 0.000${rnd(999)}s`;
};

// shares of the bundle by file, roughly those of a busy node's eks-log-collector.sh bundle
const LAYOUT: [string, Gen, number][] = [
  ['kubelet/kubelet.log', kubelet, 0.38],
  ['var_log/messages', messages, 0.24],
  ['containerd/containerd-log.txt', containerd, 0.18],
  ['var_log/aws-routed-eni/ipamd.log', ipamd, 0.15],
  ['var_log/coredns-5d8c7b9f6-x2x9k_kube-system_coredns-0123456789abcdef.log', coredns, 0.05],
];

export async function generateBundle(dir: string, totalBytes: number): Promise<number> {
  let written = 0;
  for (const [path, gen, share] of LAYOUT) {
    const target = Math.floor(totalBytes * share);
    const file = join(dir, path);
    await mkdir(dirname(file), { recursive: true });
    const out = createWriteStream(file);
    let n = 0;
    let i = 0;
    while (n < target) {
      const lines: string[] = [];
      let size = 0;
      while (size < 4 * 1024 * 1024 && n + size < target) {
        const l = `${gen(i++)}\n`;
        lines.push(l);
        size += l.length;
      }
      if (!out.write(lines.join(''))) await once(out, 'drain');
      n += size;
    }
    out.end();
    await once(out, 'finish');
    written += n;
  }
  await mkdir(join(dir, 'system'), { recursive: true });
  const small = createWriteStream(join(dir, 'system', 'instance-id.txt'));
  small.end('i-0a1b2c3d4e5f60718\n');
  await once(small, 'finish');
  return written;
}
