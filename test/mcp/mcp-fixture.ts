import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import pino from 'pino';
import { ingestBundle, type IngestResult } from '../../core/ingest/ingest-bundle.js';
import { CompiledCatalog } from '../../core/rules/compiled-catalog.js';
import { FsBundleStore } from '../../core/store/fs-store.js';
import { createMcpServer } from '../../mcp-server/server.js';
import type { ToolDeps } from '../../mcp-server/tool-definition.js';
import { writeSampleBundle } from '../fixtures/sample-bundle.js';

export const repoRoot = resolve(import.meta.dirname, '../..');

/** A filesystem store holding the sample bundle (IP exhaustion), and the deps a server needs. */
export async function sampleStore(): Promise<{ dir: string; storeDir: string; archive: string; bundle: IngestResult; deps: ToolDeps; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'mcp-test-'));
  const { archive } = await writeSampleBundle(dir);
  const storeDir = join(dir, 'store');
  const store = new FsBundleStore(storeDir);
  const catalog = CompiledCatalog.load();
  const bundle = await ingestBundle({ store, catalog, source: { kind: 'archive', path: archive } });
  const deps: ToolDeps = { store, catalog, now: () => Date.parse('2024-03-14T10:00:00Z'), log: pino({ level: 'silent' }), sopsDir: join(repoRoot, 'sops') };
  return { dir, storeDir, archive, bundle, deps, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** An SDK client connected in memory to a fresh server over `deps`: the tool layer without HTTP. */
export async function inMemoryClient(deps: ToolDeps): Promise<Client> {
  const [a, b] = InMemoryTransport.createLinkedPair();
  await createMcpServer(deps).connect(a);
  const client = new Client({ name: 'test', version: '1' });
  await client.connect(b);
  return client;
}
