import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// STYLE.md 1: a pure core with adapters at the edges. core/ never reaches into the other parts,
// and only the S3 adapter may import the AWS SDK.
const root = resolve(import.meta.dirname, '../..');
const files = (dir: string): string[] =>
  readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });
const importsOf = (file: string) => [...readFileSync(file, 'utf8').matchAll(/^\s*import\s[^'"]*['"]([^'"]+)['"]/gm)].map((m) => m[1]!);

describe('import rules', () => {
  const core = files(join(root, 'core'));
  it('core/ imports nothing of cli/, collector/, operator/ or mcp-server/', () => {
    const bad = core.flatMap((f) => importsOf(f).filter((i) => /(^|\/)(cli|collector|operator|mcp-server)\//.test(i)).map((i) => `${relative(root, f)} -> ${i}`));
    expect(bad).toEqual([]);
  });
  it('only core/store/s3-store.ts imports the AWS SDK', () => {
    const users = core.filter((f) => importsOf(f).some((i) => i.startsWith('@aws-sdk/'))).map((f) => relative(root, f));
    expect(users).toEqual(['core/store/s3-store.ts']);
  });
  it('core/ imports no web server, MCP SDK or Kubernetes client', () => {
    const bad = core.flatMap((f) => importsOf(f).filter((i) => /^(express|@modelcontextprotocol\/|@kubernetes\/)/.test(i)).map((i) => `${relative(root, f)} -> ${i}`));
    expect(bad).toEqual([]);
  });
});
