import type { Logger } from 'pino';
import type { IngestLimits } from '../../core/ingest/limits.js';
import type { CompiledCatalog } from '../../core/rules/compiled-catalog.js';
import type { BundleStore } from '../../core/store/bundle-store.js';
import type { CustomResources } from './custom-resources.js';

/** What the upload handlers share: the store, the rules, the API, the caps, and who is uploading what now. */
export interface IngestContext {
  store: BundleStore;
  catalog: CompiledCatalog;
  resources: CustomResources;
  log: Logger;
  now: () => number;
  /** `store://` for the filesystem hub, `s3://bucket/prefix` for S3: the base of status URIs */
  uriBase: string;
  /** largest bundle upload accepted, in bytes (compressed, as received) */
  maxBundleBytes: number;
  /** largest capture chunk accepted, in bytes */
  maxChunkBytes: number;
  limits?: Partial<IngestLimits>;
  /** `<plural>/<ns>/<name>` being received: a second concurrent upload of the same resource is refused */
  inFlight: Set<string>;
}
