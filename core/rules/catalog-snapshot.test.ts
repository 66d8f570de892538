import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { catalogFiles, readSnapshot, writeSnapshot } from './catalog-snapshot.js';
import { CompiledCatalog } from './compiled-catalog.js';
import { defaultCatalogDir, loadCatalogYaml } from './load-catalog.js';

const work = mkdtempSync(join(tmpdir(), 'catalog-snapshot-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('catalog snapshot', () => {
  const dir = defaultCatalogDir();
  const yamlRules = loadCatalogYaml(dir);

  it('gives the same rules, and so the same rules version, as the YAML it was made from', () => {
    const path = join(work, 'same.json');
    writeSnapshot(dir, yamlRules, path);
    const snap = readSnapshot(dir, path);
    expect(snap).toEqual(yamlRules);
    expect(new CompiledCatalog(snap!).version).toBe(new CompiledCatalog(yamlRules).version);
  });

  it('when a rule file changed after the snapshot was made, the snapshot is ignored', () => {
    const copy = join(work, 'catalog');
    cpSync(dir, copy, { recursive: true });
    const path = join(work, 'stale.json');
    writeSnapshot(copy, loadCatalogYaml(copy), path);
    expect(readSnapshot(copy, path)).toBeDefined();
    const f = join(copy, catalogFiles(copy)[0]!);
    writeFileSync(f, `${readFileSync(f, 'utf8')}\n# edited\n`);
    expect(readSnapshot(copy, path)).toBeUndefined();
  });

  it('when the snapshot is missing or not JSON, there is none (the YAML is loaded instead)', () => {
    expect(readSnapshot(dir, join(work, 'absent.json'))).toBeUndefined();
    const bad = join(work, 'bad.json');
    writeFileSync(bad, '{"sourceHash": ');
    expect(readSnapshot(dir, bad)).toBeUndefined();
  });
});
