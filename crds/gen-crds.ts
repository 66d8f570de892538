import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CRD_DEFINITIONS } from './definitions.js';
import { crdFileName, renderCrdYaml } from './render-crd.js';
import { renderTypes } from './render-types.js';

/** Every generated file, relative to the crds/ folder, with its content. The drift test compares these. */
export function generatedFiles(): Array<{ path: string; content: string }> {
  return [
    ...CRD_DEFINITIONS.map((d) => ({ path: crdFileName(d), content: renderCrdYaml(d) })),
    { path: 'types.gen.ts', content: renderTypes(CRD_DEFINITIONS) },
  ];
}

// `node dist/crds/gen-crds.js [crds-dir]` (npm run crds:gen): rewrites the CRD YAML and types.gen.ts.
if (process.argv[1] && import.meta.url === `file://${process.argv[1]}`) {
  const dir = process.argv[2] ?? 'crds';
  for (const f of generatedFiles()) {
    await writeFile(join(dir, f.path), f.content);
    process.stdout.write(`wrote ${join(dir, f.path)}\n`);
  }
}
