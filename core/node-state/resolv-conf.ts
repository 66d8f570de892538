import type { Lines } from './lines.js';

export interface ResolvConf {
  nameservers: { ip: string; line: number }[];
  /** the last search/domain line wins, as in glibc */
  search: { domains: string[]; line: number; text: string } | null;
  ndots: { value: number; line: number; text: string } | null;
}

/** Parses resolv.conf (nameserver, search/domain, options ndots:N). */
export async function parseResolvConf(lines: Lines): Promise<ResolvConf> {
  const res: ResolvConf = { nameservers: [], search: null, ndots: null };
  let n = 0;
  for await (const raw of lines) {
    n++;
    const t = raw.replace(/[#;].*$/, '').trim().split(/\s+/);
    if (t[0] === 'nameserver' && t[1]) res.nameservers.push({ ip: t[1], line: n });
    else if ((t[0] === 'search' || t[0] === 'domain') && t.length > 1) res.search = { domains: t.slice(1), line: n, text: raw };
    else if (t[0] === 'options') {
      for (const o of t.slice(1)) {
        const m = /^ndots:(\d{1,4})$/.exec(o);
        if (m) res.ndots = { value: Number(m[1]), line: n, text: raw };
      }
    }
  }
  return res;
}
