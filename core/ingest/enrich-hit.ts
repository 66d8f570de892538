import { messageTemplate } from '../findings/message-template.js';
import { parseLineTimestamp } from '../time/parse-timestamp.js';
import type { LineHit } from './line-scanner.js';
import { monotonicSeconds } from './time-hints.js';

/** A hit with the per-line work done where it was found (in the scan worker): time and template. */
export interface EnrichedHit extends LineHit {
  ms?: number;
  mono?: number;
  template: string;
}

export function enrichHit(hit: LineHit, referenceMs: number): EnrichedHit {
  const t = parseLineTimestamp(hit.text, { referenceMs });
  const e: EnrichedHit = { ...hit, template: messageTemplate(hit.text) };
  if (t) e.ms = t.ms;
  else {
    const mono = monotonicSeconds(hit.text);
    if (mono !== undefined) e.mono = mono;
  }
  return e;
}
