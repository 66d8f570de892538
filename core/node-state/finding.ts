import type { Severity } from '../rules/rule-schema.js';

export type NCategory = 'networking' | 'storage' | 'dns';

export interface NEvidence {
  path: string;
  /** 1-based line in the bundle file; 0 when the finding rests on the whole file (something absent from it) */
  line: number;
  text: string;
}

/**
 * A structured-check finding (DESIGN.md §4): the same fields as a log finding where they make
 * sense, with `N-NNN` ids so `summarize` resolves them next to F-/S-/P- ids.
 */
export interface NFinding {
  id: string;
  code: string;
  title: string;
  severity: Severity;
  category: NCategory;
  message: string;
  evidence: NEvidence[];
  remediation: string;
  sops: string[];
  /** the check that produced it */
  check: string;
}

export type NDraft = Omit<NFinding, 'id' | 'check'>;

export type CheckStatus = 'ok' | 'problem' | 'not-checked';

export interface CheckResult {
  check: string;
  status: CheckStatus;
  reason?: string;
  findings: NDraft[];
}

/** Evidence lines are cut like log samples, so one hostile line cannot bloat an answer. */
export const ev = (path: string, line: number, text: string): NEvidence => ({ path, line, text: text.slice(0, 500) });

/** Evidence of an absence: no line shows what is missing, so it points at the whole file that was read to its end. */
export const wholeFile = (path: string, text: string): NEvidence => ev(path, 0, text);

export const notChecked = (check: string, file: string): CheckResult => ({ check, status: 'not-checked', reason: `not checked: ${file} missing`, findings: [] });

/** A check that ran: problem when it produced findings, ok otherwise (with what was looked at). */
export function ran(check: string, findings: NDraft[], okReason?: string): CheckResult {
  return findings.length ? { check, status: 'problem', findings } : { check, status: 'ok', ...(okReason ? { reason: okReason } : {}), findings };
}

/** One structured check: a pure function over the parsed state (so it unit-tests on parsed input). */
export interface NodeCheck {
  name: string;
  area: 'network' | 'storage';
  run: (s: import('./state.js').NodeState, t: import('./thresholds.js').Thresholds) => CheckResult;
}
