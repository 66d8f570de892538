import { ev, type NDraft, type NodeCheck, notChecked, ran, wholeFile } from './finding.js';
import { podIps } from './pod-ips.js';
import { STATE_PATHS } from './state.js';

const KUBE_PROXY_SOPS = ['kube-proxy-iptables-sync', 'service-connectivity'];

/** filter FORWARD policy DROP: forwarded pod traffic dies unless every flow has an explicit ACCEPT. */
const forwardPolicy: NodeCheck = {
  name: 'iptables-forward-policy',
  area: 'network',
  run: (s) => {
    if (!s.iptables) return notChecked('iptables-forward-policy', STATE_PATHS.iptables);
    const fwd = s.iptables.value.tables.get('filter')?.get('FORWARD');
    if (!fwd) return { check: 'iptables-forward-policy', status: 'ok', reason: 'no filter FORWARD chain in iptables-save', findings: [] };
    const f: NDraft[] = fwd.policy === 'DROP' ? [{
      code: 'ForwardPolicyDrop', title: 'iptables FORWARD policy is DROP', severity: 'high', category: 'networking',
      message: `The filter table's FORWARD chain policy is DROP (${fwd.rules} rules in it): pod traffic forwarded through the node is dropped unless a rule accepts it.`,
      evidence: [ev(fwd.path ?? s.iptables.path, fwd.line, `:FORWARD ${fwd.policy}`)],
      remediation: 'Set the policy to ACCEPT (iptables -P FORWARD ACCEPT) or find what set it (Docker, a hardening script, a custom AMI) and stop it.',
      sops: ['pod-to-pod-connectivity', 'service-connectivity'],
    }] : [];
    return ran('iptables-forward-policy', f);
  },
};

/** kube-proxy writes KUBE-SERVICES -> KUBE-SVC-* for every Service; none means it is not syncing. */
const kubeProxy: NodeCheck = {
  name: 'kube-proxy-sync',
  area: 'network',
  run: (s) => {
    if (!s.iptables) return notChecked('kube-proxy-sync', STATE_PATHS.iptables);
    const { path, value } = s.iptables;
    // absence needs the nat table read whole (iptables-save to its COMMIT, a -nvL listing not cut)
    const natFiles = [path, ...[...(value.tables.get('nat')?.values() ?? [])].flatMap((c) => (c.path ? [c.path] : []))];
    if (!value.complete.includes('nat') || natFiles.some((f) => s.truncated?.has(f))) {
      return { check: 'kube-proxy-sync', status: 'not-checked', reason: `not checked: the nat table in ${path} was not read whole`, findings: [] };
    }
    const svc = value.tables.get('nat')?.get('KUBE-SERVICES');
    const k = value.kube;
    const f: NDraft[] = [];
    if (!svc) {
      const natPath = [...(value.tables.get('nat')?.values() ?? [])].find((c) => c.path)?.path ?? path;
      f.push({
        code: 'KubeProxyNoServicesChain', title: 'No KUBE-SERVICES chain in the nat table', severity: 'warning', category: 'networking',
        message: `iptables-save (${value.rules} rules, read to the end) has no nat KUBE-SERVICES chain: kube-proxy is not running in iptables mode (ipvs or a kube-proxy replacement), or not running at all.`,
        evidence: [wholeFile(natPath, 'no KUBE-SERVICES chain in the nat table (read whole)')], remediation: 'Check the kube-proxy pod on this node and its mode; with iptables mode, restart it and read its log.', sops: KUBE_PROXY_SOPS,
      });
    } else if (k.svcChains === 0 && k.svcJumps === 0) {
      f.push({
        code: 'KubeProxyNotSyncing', title: 'kube-proxy is not syncing: KUBE-SERVICES has no service chains', severity: 'critical', category: 'networking',
        message: `The nat KUBE-SERVICES chain exists with ${k.servicesRules} rules but no KUBE-SVC-* chain exists anywhere in the ${value.rules} rules: Services (including kubernetes and kube-dns) are unreachable from this node.`,
        evidence: [ev(svc.path ?? path, svc.line, ':KUBE-SERVICES')], remediation: 'Read the kube-proxy log on this node (API server reachability, RBAC, iptables lock contention) and restart kube-proxy.', sops: KUBE_PROXY_SOPS,
      });
    } else if (k.kubeDns.length === 0) {
      f.push({
        code: 'KubeDnsDnatMissing', title: 'No kube-dns DNAT rules in iptables', severity: 'high', category: 'networking',
        message: `kube-proxy programs ${k.svcChains} service chains but none for kube-system/kube-dns: cluster DNS through the Service IP fails from this node.`,
        evidence: [ev(svc.path ?? path, svc.line, ':KUBE-SERVICES')], remediation: 'Check the kube-dns Service and its endpoints (CoreDNS pods ready?), then kube-proxy sync on this node.', sops: ['dns-resolution', ...KUBE_PROXY_SOPS],
      });
    }
    return ran('kube-proxy-sync', f, `${k.svcChains} service chains, ${k.sepChains} endpoint chains, kube-dns DNAT present`);
  },
};

/** DROP/REJECT on the ports that carry DNS, the API server, webhooks and kubelet. */
const blockedPorts: NodeCheck = {
  name: 'iptables-blocked-ports',
  area: 'network',
  run: (s, t) => {
    if (!s.iptables) return notChecked('iptables-blocked-ports', STATE_PATHS.iptables);
    const ignore = new RegExp(t.iptables.ignore_comment_pattern);
    const f: NDraft[] = [];
    for (const port of t.iptables.critical_ports) {
      const hits = s.iptables.value.blockRules.filter((r) => r.ports.some(([lo, hi]) => lo <= port && port <= hi) && !(r.comment && ignore.test(r.comment)));
      if (hits.length === 0) continue;
      // with -nvL counters (or iptables-save -c) a rule that matched packets is dropping traffic now
      const hit = hits.filter((r) => (r.counters?.packets ?? 0) > 0);
      const counted = hits.filter((r) => r.counters);
      const first = hit[0] ?? hits[0]!;
      const path = (r: { path?: string }) => r.path ?? s.iptables!.path;
      f.push({
        code: 'IptablesBlocksPort', title: `iptables ${first.target} rule on port ${port}${hit.length ? ` matched ${first.counters!.text.split(",")[0]}` : ''}`, severity: hit.length ? 'critical' : 'high', category: 'networking',
        message: `${hits.length} DROP/REJECT rule(s) match destination port ${port} (first: ${first.table}/${first.chain})${
          hit.length ? `; ${hit.length} of them matched traffic: ${hit.slice(0, 3).map((r) => `${r.table}/${r.chain} ${r.counters!.text}`).join('; ')}` : counted.length ? '; their counters are 0 so far' : ''}.`,
        evidence: [...hit, ...hits.filter((r) => !hit.includes(r))].slice(0, 5).flatMap((r) => [
          ev(path(r), r.line, r.text),
          ...(r.counters && r.counters.path && r.counters.path !== path(r) ? [ev(r.counters.path, r.counters.line, `${r.counters.text}: ${r.target} ${r.table}/${r.chain}`)] : []),
        ]),
        remediation: 'Find who added the rule (security agent, user data, a CNI policy engine) and remove or narrow it.', sops: ['service-connectivity'],
      });
    }
    return ran('iptables-blocked-ports', f);
  },
};

/** Without a default route in the main table nothing off-subnet is reachable (API server, ECR, IMDS aside). */
const defaultRoute: NodeCheck = {
  name: 'default-route',
  area: 'network',
  run: (s) => {
    if (!s.routes) return notChecked('default-route', STATE_PATHS.routes);
    const ok = s.routes.value.some((r) => r.dest === 'default' && r.table === 'main' && r.type === 'unicast');
    // the default route may be further down a listing cut at the size cap
    if (!ok && s.truncated?.has(s.routes.path)) return { check: 'default-route', status: 'not-checked', reason: `not checked: ${s.routes.path} was cut at the collector size cap before any default route`, findings: [] };
    return ran('default-route', ok ? [] : [{
      code: 'NoDefaultRoute', title: 'No default route in the main routing table', severity: 'critical', category: 'networking',
      message: `ip route show table all lists ${s.routes.value.length} routes and none is a default route of the main table.`,
      evidence: [wholeFile(s.routes.path, `no default route of the main table among ${s.routes.value.length} routes`)], remediation: 'Restore the default route via the subnet gateway on eth0 (networkd/DHCP configuration) and find what removed it.', sops: ['general-troubleshooting', 'service-connectivity'],
    }]);
  },
};

/** The VPC CNI adds, per pod IP, `ip rule … to <ip> lookup main` and a host route `<ip> dev eni…`. */
const podRoutes: NodeCheck = {
  name: 'pod-ip-rules-routes',
  area: 'network',
  run: (s) => {
    const name = 'pod-ip-rules-routes';
    if (!s.rules) return notChecked(name, STATE_PATHS.rules);
    if (!s.routes) return notChecked(name, STATE_PATHS.routes);
    const { ips, sources } = podIps(s);
    // no source naming a pod IP is not "every pod IP is routed": pods.json may be only IPAMD's command list
    if (ips.length === 0) {
      return { check: name, status: 'not-checked', reason: `not checked: no pod IP in ${STATE_PATHS.pods}${s.pods?.value.error ? ` (${s.pods.value.error})` : ''}, the address assignments of ${STATE_PATHS.enis} or ${STATE_PATHS.ipamCheckpoint}`, findings: [] };
    }
    const bare = (a: string | null) => (a ?? '').replace(/\/32$/, '');
    const ruleTo = new Set(s.rules.value.map((r) => bare(r.to)));
    const hostRoute = new Set(s.routes.value.filter((r) => r.table === 'main' && r.dev).map((r) => bare(r.dest)));
    const missing = ips.filter((p) => !ruleTo.has(p.ip) || !hostRoute.has(p.ip));
    // a rule or route missing from a listing cut at the size cap may be further down; found ones are found
    const cut = [s.rules.path, s.routes.path].find((p) => s.truncated?.has(p));
    if (missing.length && cut) return { check: name, status: 'not-checked', reason: `not checked: ${missing.length} pod IPs lack a rule or route in what was read, but ${cut} was cut at the collector size cap`, findings: [] };
    return ran(name, missing.length ? [{
      code: 'PodRouteMissing', title: 'Pod IPs without their ip rule or host route', severity: 'high', category: 'networking',
      message: `${missing.length} of ${ips.length} pod IPs known to IPAMD (${sources.join(', ')}) lack the VPC CNI ip rule ("to <ip>") or host route ("<ip> dev eni…"): ${missing.slice(0, 5).map((p) => `${p.name} ${p.ip} (${ruleTo.has(p.ip) ? 'no route' : hostRoute.has(p.ip) ? 'no rule' : 'no rule, no route'})`).join(', ')}.`,
      evidence: missing.slice(0, 5).map((p) => ev(p.path, p.line, `${p.name} ${p.ip}`)),
      remediation: 'Traffic to these pods is not delivered. Restart the pods (CNI ADD re-creates the rules) and read plugin.log/ipamd.log for failed ADDs or DELs racing.', sops: ['pod-to-pod-connectivity', 'vpc-cni-ip-allocation'],
    }] : [], `${ips.length} pod IPs (${sources.join(', ')}) have their rule and route`);
  },
};

/** Pod traffic is routed by the host: ip_forward=0 stops all of it. */
const ipForward: NodeCheck = {
  name: 'ip-forward',
  area: 'network',
  run: (s) => {
    if (!s.sysctl) return notChecked('ip-forward', STATE_PATHS.sysctl);
    const v = s.sysctl.value.get('net.ipv4.ip_forward');
    if (!v) return { check: 'ip-forward', status: 'not-checked', reason: `not checked: net.ipv4.ip_forward absent from ${s.sysctl.path}`, findings: [] };
    return ran('ip-forward', v.value === '0' ? [{
      code: 'IpForwardDisabled', title: 'net.ipv4.ip_forward is 0', severity: 'critical', category: 'networking',
      message: 'IPv4 forwarding is off: the node does not route pod traffic in or out.', evidence: [ev(s.sysctl.path, v.line, v.text)],
      remediation: 'Set net.ipv4.ip_forward=1 (sysctl -w, and persist it) and find the configuration that turned it off.', sops: ['pod-to-pod-connectivity'],
    }] : []);
  },
};

/** Strict rp_filter on a secondary ENI drops replies of pods whose traffic leaves by another interface. */
const rpFilter: NodeCheck = {
  name: 'rp-filter-secondary-enis',
  area: 'network',
  run: (s) => {
    if (!s.sysctl) return notChecked('rp-filter-secondary-enis', STATE_PATHS.sysctl);
    const all = Number(s.sysctl.value.get('net.ipv4.conf.all.rp_filter')?.value ?? 0);
    // ENIs are eth<N> (AL2) or ens<N> (AL2023, Bottlerocket); the primary is the lowest number, as in mtu-consistency
    const enis = [...s.sysctl.value].flatMap(([k, v]) => {
      const m = /^net\.ipv4\.conf\.((?:eth|ens)(\d+))\.rp_filter$/.exec(k);
      return m ? [{ name: m[1]!, n: Number(m[2]), v }] : [];
    }).sort((a, b) => a.n - b.n);
    const secondary = enis.slice(1);
    const f: NDraft[] = [];
    for (const { name, v } of secondary) {
      // the kernel uses the larger of conf.all and conf.<if>
      if (Math.max(all, Number(v.value)) === 1) f.push({
        code: 'RpFilterStrict', title: `Strict reverse-path filtering on ${name}`, severity: 'warning', category: 'networking',
        message: `rp_filter is strict (1) on secondary ENI ${name} (conf.all=${all}, primary ${enis[0]!.name}): replies to pods on this ENI can be dropped as martians.`,
        evidence: [ev(s.sysctl.path, v.line, v.text)], remediation: 'Set rp_filter to 2 (loose) on secondary ENIs, as the VPC CNI expects.', sops: ['pod-to-pod-connectivity'],
      });
    }
    return ran('rp-filter-secondary-enis', f, secondary.length ? `${secondary.length} secondary ENIs loose or off` : 'no secondary ENI in sysctls');
  },
};

export const ROUTING_CHECKS: NodeCheck[] = [forwardPolicy, kubeProxy, blockedPorts, defaultRoute, podRoutes, ipForward, rpFilter];
