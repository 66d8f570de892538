/**
 * Reduces a log line to the template that identifies "the same message": the line's own
 * timestamp/host/process prefix goes, and variable parts (quoted values, ids, addresses, numbers)
 * become placeholders. The same kernel event in dmesg.boot, dmesg.current and dmesg.human.current
 * therefore gets one template, and one finding with three sources.
 */
const PREFIXES: RegExp[] = [
  /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?\s+(?:stdout|stderr)\s+[FP]\s/, // CRI
  /^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d(?:\.\d+)? \S+ [^\s:[]+(?:\[\d+\])?: /, // syslog/journal
  /^\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?\s+(?:\S+ [^\s:[]+(?:\[\d+\])?: )?/, // ISO prefix
  /^\[\s*\d+\.\d+\]\s?/, // dmesg monotonic
  /^\[[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}\]\s?/, // dmesg human
  /^[IWEF]\d{4} \d\d:\d\d:\d\d\.\d+\s+\d+ /, // klog header
];

const SUBSTITUTIONS: [RegExp, string][] = [
  [/"ts":\s*"[^"]*"|"ts":\s*[\d.e+]+/g, '"ts":<T>'],
  [/time="[^"]*"/g, 'time=<T>'],
  [/\b\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?/g, '<T>'],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<UUID>'],
  [/\b(?:i|eni|vol|subnet|sg|vpc)-[0-9a-f]{8,17}\b/g, '<AWSID>'],
  [/\b(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?\b/g, '<IP>'],
  [/\b[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}\b/gi, '<IP6>'],
  [/\bip-\d+-\d+-\d+-\d+(?:\.[a-z0-9.-]+)?/g, '<HOST>'],
  // host names vary (query names, endpoints) while the message does not; `kubelet.go` has one dot
  [/\b[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+){2,}\.?(?=[\s:"'/,)\]]|$)/gi, '<DOMAIN>'],
  [/\b0x[0-9a-f]+\b/gi, '<HEX>'],
  [/\b[0-9a-f]{12,}\b/gi, '<ID>'],
  [/-[a-z0-9]{5}\b(?=[\s"/_]|$)/g, '-<R>'],
  [/\d+(?:\.\d+)?/g, '<N>'],
];

export function stripLinePrefix(line: string): string {
  let s = line;
  // a journal line can wrap a klog line, a CRI line can wrap anything: strip prefixes in a chain
  for (let round = 0; round < 3; round++) {
    let changed = false;
    for (const re of PREFIXES) {
      const m = re.exec(s);
      if (m && m[0].length > 0) {
        s = s.slice(m[0].length);
        changed = true;
      }
    }
    if (!changed) break;
  }
  return s;
}

// key="value" pairs (klog structured, logfmt): the value varies, the key and the message do not.
// `msg=` is the message itself in logfmt, so its text stays and only its variable parts are replaced.
const KV_QUOTED = /\b([A-Za-z_][\w.]*)="(?:[^"\\]|\\.){0,2000}"/g;

/**
 * Templates are cached by the stripped line with each digit run collapsed: a chatty log (a CoreDNS
 * query log, a crash-looping pod) repeats one shape thousands of times and the substitutions are
 * the costliest per-hit step. Bounded: the cache is dropped whole when it fills.
 */
const cache = new Map<string, string>();
const CACHE_MAX = 20_000;

export function messageTemplate(line: string): string {
  const cut = line.length > 2000 ? line.slice(0, 2000) : line;
  // the raw line is the key: its prefix (time, host, process) collapses to one shape per file
  const key = cut.replace(/\d+/g, '#');
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const t = computeTemplate(stripLinePrefix(cut));
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(key, t);
  return t;
}

function computeTemplate(stripped: string): string {
  let s = stripped;
  s = s.replace(KV_QUOTED, (m, key: string) => (key === 'msg' || key === 'message' ? m : `${key}=<*>`));
  for (const [re, rep] of SUBSTITUTIONS) s = s.replace(re, rep);
  return s.replace(/\s+/g, ' ').trim().slice(0, 300);
}
