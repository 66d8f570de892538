import { ev, type NDraft, type NodeCheck, notChecked, ran, wholeFile } from './finding.js';
import { STATE_PATHS } from './state.js';

/** The node's resolv.conf: what kubelet hands to Default-policy pods and what the node itself uses. */
const resolvConf: NodeCheck = {
  name: 'resolv-conf',
  area: 'network',
  run: (s, t) => {
    if (!s.resolv) return notChecked('resolv-conf', STATE_PATHS.resolv);
    const { path, value: r } = s.resolv;
    const sops = ['dns-resolution'];
    const f: NDraft[] = [];
    // a nameserver line may follow the cut of a file the collector capped: absence is not judged then
    const cut = s.truncated?.has(path) ?? false;
    if (r.nameservers.length === 0 && !cut) f.push({
      code: 'ResolvConfNoNameserver', title: 'resolv.conf has no nameserver', severity: 'high', category: 'dns',
      message: 'The node resolv.conf lists no nameserver: name resolution on the node (and in Default-DNS-policy pods) falls back to localhost and fails.',
      evidence: [wholeFile(path, 'no nameserver line')], remediation: 'Restore the VPC resolver (the .2 address or 169.254.169.253) via DHCP options / systemd-resolved.', sops,
    });
    if (r.search && r.search.domains.length > t.dns.max_search_domains) f.push({
      code: 'ResolvConfTooManySearchDomains', title: `resolv.conf has ${r.search.domains.length} search domains`, severity: 'warning', category: 'dns',
      message: `${r.search.domains.length} search domains, more than ${t.dns.max_search_domains}: older resolvers ignore the rest and kubelet warns; pods inherit them plus the cluster's own.`,
      evidence: [ev(path, r.search.line, r.search.text)], remediation: 'Trim the DHCP options set / node search domains.', sops,
    });
    if (r.ndots && r.ndots.value >= t.dns.ndots_note_at) f.push({
      code: 'ResolvConfHighNdots', title: `ndots:${r.ndots.value} in resolv.conf`, severity: 'info', category: 'dns',
      message: `ndots:${r.ndots.value}: every name with fewer dots is tried against each search domain first, multiplying DNS queries (NXDOMAIN noise, conntrack load).`,
      evidence: [ev(path, r.ndots.line, r.ndots.text)], remediation: 'Use fully qualified names (trailing dot) for external hosts or set dnsConfig ndots lower for chatty pods.', sops,
    });
    if (r.nameservers.length === 0 && cut) {
      const why = `nameserver absence not judged: ${path} was cut at the collector size cap`;
      return f.length ? { check: 'resolv-conf', status: 'problem', reason: why, findings: f } : { check: 'resolv-conf', status: 'not-checked', reason: `not checked: ${why}`, findings: [] };
    }
    return ran('resolv-conf', f, `${r.nameservers.length} nameservers`);
  },
};

export const DNS_CHECKS: NodeCheck[] = [resolvConf];
