import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../core/rules/load-catalog.js';
import { RedactStream, redactLine, redactText } from './redact.js';

const AKID = 'AKIAIOSFODNN7EXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

async function throughStream(chunks: readonly string[]): Promise<{ out: string; count: number }> {
  const r = new RedactStream();
  const out = text(Readable.from(chunks.map((c) => Buffer.from(c, 'latin1'))).pipe(r));
  return { out: await out, count: r.count };
}

describe('redactLine', () => {
  it.each([
    ['bearer token in a header', 'Authorization: Bearer eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.payload', 'eyJhbGci'],
    ['kubeconfig token', '    token: k8s-aws-v1.aHR0cHM6Ly9zdHMuYW1hem9uYXdzLmNvbQ', 'k8s-aws-v1'],
    ['kubeconfig client-key-data', '    client-key-data: LS0tLS1CRUdJTiBSU0E=', 'LS0tLS1C'],
    ['kubeconfig password (quoted)', '    password: "hunter2-pw"', 'hunter2'],
    ['access key id', `aws configure set id ${AKID}`, AKID],
    ['session key id', 'using ASIAXXXXXXXXXXXXXXXX now', 'ASIAXXXXXXXXXXXXXXXX'],
    ['ini secret key', `aws_secret_access_key = ${SECRET}`, SECRET],
    ['env secret key', `AWS_SECRET_ACCESS_KEY=${SECRET}`, SECRET],
    ['ps env of a secret-looking name', 'root  42 /app --listen :80 DB_PASSWORD=s3cr3t-value API_KEY=abc123def', 's3cr3t-value'],
    ['upper-case KEY name', 'STRIPE_API_KEY=sk_live_abcdef123456', 'sk_live'],
    ['JSON secret in container info', '{"env":["A=1"],"clientSecret": "very-secret-value"}', 'very-secret-value'],
    ['JSON env entry', '"env": ["GITHUB_TOKEN=ghp_abcdefghijklmnop", "PATH=/bin"]', 'ghp_abcdef'],
    ['command-line flag', '/usr/bin/agent --token=abcdef0123456789 --v=2', 'abcdef0123456789'],
    ['/proc/*/environ NUL separated', 'HOME=/root\u0000MY_SECRET=topsecret\u0000PATH=/bin', 'topsecret'],
  ])('redacts %s', (_name, line, secret) => {
    const r = redactLine(line);
    expect(r.text).not.toContain(secret);
    expect(r.text).toContain('[REDACTED]');
    expect(r.count).toBeGreaterThan(0);
  });

  it.each([
    ['a file path value', '    tokenFile: /var/run/secrets/eks.amazonaws.com/serviceaccount/token'],
    ['AWS_WEB_IDENTITY_TOKEN_FILE path', 'AWS_WEB_IDENTITY_TOKEN_FILE=/var/run/secrets/eks.amazonaws.com/serviceaccount/token'],
    ['a sysctl number', 'net.ipv4.ipfrag_secret_interval = 0'],
    ['a log line about tokens', 'E0314 08:04:05.1 3120 token_manager.go:121] "Couldn\'t get token for pod" err="context deadline exceeded"'],
    ['plain kubelet log line', 'I0314 08:00:02.100000    3120 server.go:487] "Kubelet version" kubeletVersion="v1.30.4"'],
  ])('leaves %s alone', (_name, line) => {
    expect(redactLine(line)).toEqual({ text: line, count: 0 });
  });

  it('replaces every line of a PEM private key block and counts the block once', () => {
    const r = redactText('a: b\n-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAbody1\nbody2==\n-----END RSA PRIVATE KEY-----\nafter: x');
    expect(r.text).not.toMatch(/body1|body2/);
    expect(r.text).toContain('after: x');
    expect(r.count).toBe(1);
  });

  it('leaves every rule regression line of the catalog intact, so redaction cannot hide a detection', () => {
    const changed = loadCatalog().flatMap((r) => [...(r.match ?? []), ...(r.nomatch ?? [])].filter((l) => redactLine(l).count > 0).map((l) => `${r.code}: ${l}`));
    expect(changed).toEqual([]);
  });
});

describe('RedactStream', () => {
  it('finds a secret split across chunk boundaries at any position', async () => {
    const input = `line one\nAuthorization: Bearer abcdefghijklmnop0123\nexport KEY_ID=${AKID}\nlast line`;
    await fc.assert(fc.asyncProperty(fc.array(fc.integer({ min: 1, max: input.length - 1 }), { maxLength: 6 }), async (cuts) => {
      const points = [...new Set(cuts)].sort((a, b) => a - b);
      const chunks = [0, ...points].map((p, i) => input.slice(p, points[i] ?? input.length));
      const { out, count } = await throughStream(chunks);
      expect(out).toBe(redactText(input).text);
      expect(out).not.toContain('abcdefghijklmnop0123');
      expect(out).not.toContain(AKID);
      expect(count).toBe(2);
    }), { numRuns: 200 });
  });

  it('passes text without secrets through byte for byte, including invalid UTF-8', async () => {
    const bytes = Buffer.concat([Buffer.from('héllo wörld\n'), Buffer.from([0xff, 0xfe, 0x0a]), Buffer.from('no newline at end')]);
    const r = new RedactStream();
    const out = Buffer.concat(await Readable.from([bytes.subarray(0, 5), bytes.subarray(5)]).pipe(r).toArray());
    expect(out.equals(bytes)).toBe(true);
    expect(r.count).toBe(0);
  });

  it('when a line is longer than the carry limit, it is redacted in pieces without unbounded buffering', async () => {
    const long = 'x'.repeat(3 << 20);
    const { out } = await throughStream([long.slice(0, 1 << 20), long.slice(1 << 20), `\npassword: ${'p'.repeat(12)}\n`]);
    expect(out.length).toBe(long.length + '\npassword: [REDACTED]\n'.length);
  });
});
