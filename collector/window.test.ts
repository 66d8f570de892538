import { describe, expect, it } from 'vitest';
import { localNodeName, parseSince } from './window.js';

describe('parseSince', () => {
  it.each([['2h', 7_200_000], ['30m', 1_800_000], ['1h30m', 5_400_000], ['7d', 604_800_000], ['45s', 45_000]])('%s', (t, ms) => {
    expect(parseSince(t)).toBe(ms);
  });
  it.each(['', '2', 'h', '-1h', '2 h', '1y', '31d', '0h', '2h; rm -rf /', '$(date)'])('refuses %j', (t) => {
    expect(parseSince(t)).toBeUndefined();
  });
});

describe('localNodeName', () => {
  it('keeps a hostname in the store key alphabet', () => {
    expect(localNodeName('ip-10-0-1-2.ec2.internal')).toBe('ip-10-0-1-2.ec2.internal');
    expect(localNodeName('../evil host/x')).toBe('evil-host-x');
    expect(localNodeName('')).toBe('localhost');
  });
});
