import { randomBytes } from 'node:crypto';

const MAX_NAME = 63;
const STAMP = 14; // yyyymmddhhmmss
const RAND = 4;
/** room left for the target part: name-stamp-rand within a DNS-1123 label */
const MAX_TARGET = MAX_NAME - STAMP - RAND - 2;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** Four random [a-z0-9] characters: two tools creating for one node in the same second do not collide. */
export function rand4(): string {
  return [...randomBytes(RAND)].map((b) => ALPHABET[b % ALPHABET.length]).join('');
}

/**
 * `<target-shortened>-<yyyymmddhhmmss>-<rand4>`: sorts by node then time in `kubectl get`, says
 * what it is for at a glance, and is a DNS-1123 label (≤ 63, [a-z0-9-], alphanumeric at both ends)
 * whatever the target looks like — so the API server never rejects a name the tool made up.
 */
export function resourceName(target: string, nowMs: number, rand: string = rand4()): string {
  const short = target
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .slice(0, MAX_TARGET)
    .replace(/^-+|-+$/g, '');
  const stamp = new Date(nowMs).toISOString().replace(/[-:T]/g, '').slice(0, STAMP);
  return `${short || 'node'}-${stamp}-${rand}`;
}

/** A batch id: also a label value (≤ 63, alphanumeric ends). */
export function batchId(nowMs: number, rand: string = rand4()): string {
  return resourceName('batch', nowMs, rand);
}
