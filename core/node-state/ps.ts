import type { Lines } from './lines.js';

/** The node daemons whose presence and memory the checks look at, by executable name. */
export const DAEMONS = ['kubelet', 'containerd', 'aws-k8s-agent'] as const;
export type Daemon = (typeof DAEMONS)[number];

export interface PsProcess {
  pid: number;
  /** resident set size in KiB (ps RSS), null when the listing has no RSS column */
  rssKiB: number | null;
  line: number;
  text: string;
}

export interface PsListing {
  /** the header's columns, e.g. USER PID %CPU %MEM VSZ RSS TTY STAT START TIME COMMAND */
  columns: string[];
  /** rows read (processes, or threads for `ps -eL`/`-eT` listings) */
  rows: number;
  /** rows that did not fit the header (a cut last line, garbage) */
  badRows: number;
  /** false when the listing has no STAT/S column (`ps -eTF`): zombies and D state unknown */
  hasState: boolean;
  zombies: PsProcess[];
  zombieCount: number;
  dState: PsProcess[];
  dStateCount: number;
  daemons: Partial<Record<Daemon, PsProcess>>;
  /**
   * PID 2 (kthreadd) is listed: the listing saw the host's PID namespace, not a container's, so a
   * daemon missing from it is really not running
   */
  hostView: boolean;
  error?: string;
}

const MAX_SAMPLES = 20;
const COMMAND = new Set(['COMMAND', 'CMD', 'COMM', 'ARGS']);

/** The executable's name: the forest art of `ps f` (` \_ `, `|`) and the path stripped. */
function exeOf(cmd: string): string {
  const first = cmd.replace(/^[\s|\\_]+/, '').split(/\s+/)[0] ?? '';
  return first.replace(/^.*\//, '').replace(/:$/, '');
}

/**
 * Parses a `ps` listing by its header, whatever the options (`ps auxww`, `ps fauxwww --headers`,
 * `ps -eLo pid,tid,ppid,stat,pcpu,pmem,comm`, `ps -eTF`): the last column (the command) takes the
 * rest of the line; repeated headers (`--headers`) are skipped.
 */
export async function parsePs(lines: Lines): Promise<PsListing> {
  const res: PsListing = { columns: [], rows: 0, badRows: 0, hasState: false, zombies: [], zombieCount: 0, dState: [], dStateCount: 0, daemons: {}, hostView: false };
  let idx = { pid: -1, rss: -1, stat: -1 };
  let header = '';
  let n = 0;
  for await (const raw of lines) {
    n++;
    const l = raw.trim();
    if (!l) continue;
    const cols = l.split(/\s+/);
    if (!header) {
      if (cols.includes('PID') && COMMAND.has(cols[cols.length - 1]!)) {
        header = cols.join(' ');
        res.columns = cols;
        const stat = cols.indexOf('STAT') >= 0 ? cols.indexOf('STAT') : cols.indexOf('S');
        idx = { pid: cols.indexOf('PID'), rss: cols.indexOf('RSS') >= 0 ? cols.indexOf('RSS') : cols.indexOf('RSZ'), stat };
        res.hasState = stat >= 0;
      }
      continue;
    }
    if (cols.join(' ') === header) continue;
    const width = res.columns.length;
    const pid = Number(cols[idx.pid]);
    if (cols.length < width || !/^\d+$/.test(cols[idx.pid] ?? '')) {
      res.badRows++;
      continue;
    }
    res.rows++;
    if (pid === 2) res.hostView = true;
    const rss = idx.rss >= 0 && /^\d+$/.test(cols[idx.rss]!) ? Number(cols[idx.rss]) : null;
    // the command is everything after the fixed columns, as printed
    const cmd = l.split(/\s+/, width - 1).reduce((rest, tok) => rest.slice(rest.indexOf(tok) + tok.length), l).trim();
    const p: PsProcess = { pid, rssKiB: rss, line: n, text: l };
    const stat = idx.stat >= 0 ? cols[idx.stat]! : '';
    if (stat.startsWith('Z')) {
      res.zombieCount++;
      if (res.zombies.length < MAX_SAMPLES) res.zombies.push(p);
    } else if (stat.startsWith('D')) {
      res.dStateCount++;
      if (res.dState.length < MAX_SAMPLES) res.dState.push(p);
    }
    const exe = exeOf(cmd) as Daemon;
    // the first (oldest, lowest) row of a daemon: a thread listing repeats it once per thread
    if ((DAEMONS as readonly string[]).includes(exe) && !res.daemons[exe]) res.daemons[exe] = p;
  }
  if (!header) res.error = 'no ps header line (PID … COMMAND)';
  return res;
}
