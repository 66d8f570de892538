import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { invalidSamples, validSamples } from '../test/helpers/crd-samples.js';
import { parseNodeLogCollectionSpec, parsePacketCaptureSpec } from './types.js';

const parseSpec = (kind: string, spec: unknown) => (kind === 'NodeLogCollection' ? parseNodeLogCollectionSpec(spec) : parsePacketCaptureSpec(spec));

function issuesOf(kind: string, spec: unknown): Array<{ field: string; message: string }> {
  try {
    parseSpec(kind, spec);
  } catch (err) {
    if (!(err instanceof ZodError)) throw err;
    return err.issues.map((i) => ({ field: ['spec', ...i.path.map(String)].join('.'), message: i.message }));
  }
  return [];
}

describe('CRD samples against the zod spec parsers (mirrors of the admission rules)', () => {
  it('has both kinds among the valid and the invalid samples', () => {
    expect(new Set(validSamples().map((s) => s.object.kind))).toEqual(new Set(['NodeLogCollection', 'PacketCapture']));
    expect(new Set(invalidSamples().map((s) => s.object.kind))).toEqual(new Set(['NodeLogCollection', 'PacketCapture']));
  });

  it.each(validSamples().map((s) => [s.file, s] as const))('valid sample %s parses', (_f, s) => {
    expect(s.object.apiVersion).toBe('eksnodelog.io/v1alpha1');
    expect(issuesOf(s.object.kind, s.object.spec)).toEqual([]);
  });

  it.each(invalidSamples().map((s) => [s.file, s] as const))('invalid sample %s is rejected for the reason it states', (_f, s) => {
    expect(s.expectField, 'every invalid sample names the field in an "# expect-field:" line').toBeDefined();
    const issues = issuesOf(s.object.kind, s.object.spec);
    expect(issues.length).toBeGreaterThan(0);
    const hit = issues.find((i) => i.field.startsWith(s.expectField!) && (!s.expectMessage || i.message.includes(s.expectMessage)));
    expect(hit, JSON.stringify(issues)).toBeDefined();
  });
});

describe('NodeLogCollection spec parser', () => {
  const node = 'ip-10-0-1-23.us-west-2.compute.internal';

  it('applies the API server defaults: method auto, categories [All]', () => {
    expect(parseNodeLogCollectionSpec({ nodeName: node })).toEqual({ nodeName: node, method: 'auto', categories: ['All'] });
  });

  it('gives every parse its own default categories array', () => {
    parseNodeLogCollectionSpec({ nodeName: node }).categories.push('Base');
    expect(parseNodeLogCollectionSpec({ nodeName: node }).categories).toEqual(['All']);
  });

  it('rejects an unknown field, as strict field validation does', () => {
    expect(issuesOf('NodeLogCollection', { nodeName: node, nodename: node })).not.toEqual([]);
  });

  it('rejects a zero or malformed since, and accepts compound durations', () => {
    expect(issuesOf('NodeLogCollection', { nodeName: node, since: '0s' })[0]?.message).toContain('since must be between');
    expect(issuesOf('NodeLogCollection', { nodeName: node, since: '2d' })[0]?.field).toBe('spec.since');
    expect(parseNodeLogCollectionSpec({ nodeName: node, since: '1h30m' }).since).toBe('1h30m');
  });

  it('rejects incidentPadding without incidentTime, and a non-RFC 3339 incidentTime', () => {
    expect(issuesOf('NodeLogCollection', { nodeName: node, incidentPadding: '5m' })[0]).toMatchObject({ field: 'spec.incidentPadding', message: 'incidentPadding needs incidentTime' });
    expect(issuesOf('NodeLogCollection', { nodeName: node, incidentTime: '20 Nov 2026 14:05' })[0]?.field).toBe('spec.incidentTime');
  });

  it('rejects an instance id with 18 hex digits and duplicate categories', () => {
    expect(issuesOf('NodeLogCollection', { instanceId: 'i-0123456789abcdef01' })[0]?.field).toBe('spec.instanceId');
    expect(issuesOf('NodeLogCollection', { nodeName: node, categories: ['Base', 'Base'] })[0]?.field).toBe('spec.categories');
  });
});

describe('PacketCapture spec parser', () => {
  const node = 'ip-10-0-1-23.us-west-2.compute.internal';

  it('applies the API server defaults: interface any, 60 s, method auto and the caps', () => {
    expect(parsePacketCaptureSpec({ nodeName: node })).toEqual({
      nodeName: node, interface: 'any', durationSeconds: 60, method: 'auto', maxPackets: 1000000, maxBytes: 104857600, snapLength: 262144,
    });
  });

  it.each([['a newline', 'port 53\nport 80'], ['a carriage return', 'port 53\rx'], ['a backtick', 'host `id`'], ['a semicolon', 'port 53;']])(
    'rejects a filter with %s',
    (_what, filter) => {
      expect(issuesOf('PacketCapture', { nodeName: node, filter })[0]).toMatchObject({ field: 'spec.filter' });
    },
  );

  it('rejects a filter longer than 1024 characters and accepts ordinary BPF with parentheses and $-free operators', () => {
    expect(issuesOf('PacketCapture', { nodeName: node, filter: 'port 53 or '.repeat(100) })[0]?.field).toBe('spec.filter');
    expect(parsePacketCaptureSpec({ nodeName: node, filter: '(tcp[tcpflags] & (tcp-syn|tcp-fin) != 0) and not port 22' }).filter).toContain('tcp-syn');
  });

  it('rejects durationSeconds 0 and 3601 and accepts 3600', () => {
    expect(issuesOf('PacketCapture', { nodeName: node, durationSeconds: 0 })[0]?.field).toBe('spec.durationSeconds');
    expect(issuesOf('PacketCapture', { nodeName: node, durationSeconds: 3601 })[0]?.field).toBe('spec.durationSeconds');
    expect(parsePacketCaptureSpec({ nodeName: node, durationSeconds: 3600 }).durationSeconds).toBe(3600);
  });

  it('rejects a podRef without a namespace', () => {
    expect(issuesOf('PacketCapture', { podRef: { name: 'web' } })[0]?.field).toBe('spec.podRef.namespace');
  });
});
