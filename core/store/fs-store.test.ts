import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsBundleStore } from './fs-store.js';
import { describeStoreContract } from './store-contract.js';

describeStoreContract('FsBundleStore', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'nlm-fs-store-'));
  return { store: new FsBundleStore(dir), cleanup: () => rm(dir, { recursive: true, force: true }) };
});

describe('FsBundleStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nlm-fs-store-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a stream put that fails midway rejects and leaves no file, not even a temporary one', async () => {
    const store = new FsBundleStore(dir);
    let sent = 0;
    const body = new Readable({
      read() {
        // A few real chunks first, so the temporary file exists on disk when the source dies.
        if (sent++ < 3) this.push(Buffer.alloc(64 * 1024, 1));
        else this.destroy(new Error('source connection reset'));
      },
    });
    await expect(store.put('bundles/n1/b1/bundle.tar.gz', body)).rejects.toThrow('source connection reset');
    expect(await store.head('bundles/n1/b1/bundle.tar.gz')).toBeUndefined();
    expect(await readdir(join(dir, 'bundles/n1/b1'))).toEqual([]);
  });
});
