import { defaultCatalogDir, loadCatalogYaml } from './load-catalog.js';
import { defaultSnapshotPath, writeSnapshot } from './catalog-snapshot.js';

// Build step (scripts/bootstrap.sh, Dockerfile): `node dist/core/rules/gen-catalog-snapshot.js`
const dir = defaultCatalogDir();
writeSnapshot(dir, loadCatalogYaml(dir));
process.stdout.write(`catalog snapshot: ${defaultSnapshotPath()}\n`);
