import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { assertSafeKey, type BundleStore, NotFoundError, type ObjectInfo, type PutOptions } from './bundle-store.js';

/**
 * Filesystem adapter: the embedded default. Writes go to a temporary sibling then rename, so a
 * reader never sees half an object and a crash leaves no partial file under the real key.
 */
export class FsBundleStore implements BundleStore {
  readonly kind = 'fs' as const;
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  private path(key: string): string {
    assertSafeKey(key);
    const p = resolve(this.root, key);
    if (p !== this.root && !p.startsWith(this.root + sep)) throw new Error(`key escapes store root: ${key}`);
    return p;
  }

  async put(key: string, body: Readable | Buffer | string, _opts?: PutOptions): Promise<{ size: number }> {
    const p = this.path(key);
    await mkdir(dirname(p), { recursive: true });
    const tmp = `${p}.tmp-${randomBytes(6).toString('hex')}`;
    let size = 0;
    try {
      if (typeof body === 'string' || Buffer.isBuffer(body)) {
        const buf = typeof body === 'string' ? Buffer.from(body) : body;
        const fh = await open(tmp, 'w');
        try {
          await fh.writeFile(buf);
        } finally {
          await fh.close();
        }
        size = buf.length;
      } else {
        const out = createWriteStream(tmp, { highWaterMark: 1 << 20 });
        body.on('data', (c: Buffer) => {
          size += c.length;
        });
        await pipeline(body, out);
      }
      await rename(tmp, p);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    return { size };
  }

  async get(key: string): Promise<Readable> {
    const p = this.path(key);
    await this.mustExist(key, p);
    return createReadStream(p, { highWaterMark: 1 << 20 });
  }

  /**
   * Fast path for whole-file scans (search): the file in chunks of `chunkBytes`, read with `fs.read`
   * into a few reused buffers, two reads in flight (in the libuv pool) while the caller works on the
   * previous chunk. A yielded chunk is only valid until the next one is requested. Rejects with
   * NotFoundError when the key is absent.
   */
  async *readChunks(key: string, chunkBytes = 4 << 20): AsyncGenerator<Buffer> {
    const p = this.path(key);
    const st = await this.mustExist(key, p);
    if (st.size === 0) return;
    const fh = await open(p, 'r');
    const size = Math.min(chunkBytes, st.size);
    const bufs = [Buffer.allocUnsafe(size), Buffer.allocUnsafe(size), Buffer.allocUnsafe(size)];
    const inflight: Promise<Buffer>[] = [];
    let pos = 0;
    let next = 0;
    const issue = () => {
      if (pos >= st.size) return;
      const b = bufs[next++ % bufs.length]!;
      inflight.push(fh.read(b, 0, size, pos).then((r) => b.subarray(0, r.bytesRead)));
      pos += size;
    };
    try {
      issue();
      issue();
      while (inflight.length > 0) {
        const c = await inflight.shift()!;
        if (c.length === 0) break; // the file shrank under us
        issue(); // into the buffer yielded before this one: the caller is done with it
        yield c;
      }
    } finally {
      await Promise.allSettled(inflight);
      await fh.close();
    }
  }

  async getRange(key: string, start: number, end: number): Promise<Readable> {
    const p = this.path(key);
    const st = await this.mustExist(key, p);
    const last = Math.min(end, st.size) - 1;
    if (last < start) return Readable.from([]);
    return createReadStream(p, { start, end: last, highWaterMark: 1 << 20 });
  }

  async getBuffer(key: string): Promise<Buffer> {
    const p = this.path(key);
    try {
      return await readFile(p);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(key);
      throw err;
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const p = this.path(key);
    try {
      const st = await stat(p);
      return st.isFile() ? { key, size: st.size, lastModified: st.mtime } : undefined;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    // Walk only the directory that can hold the prefix, then filter: keeps listing O(subtree).
    const dirPart = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    const start = dirPart ? this.path(dirPart) : this.root;
    const keys: ObjectInfo[] = [];
    await this.walk(start, keys, prefix);
    keys.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    yield* keys;
  }

  private async walk(dir: string, out: ObjectInfo[], prefix: string): Promise<void> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return;
      throw err;
    }
    for (const e of entries) {
      const full = join(dir, e.name);
      if (e.isDirectory()) {
        await this.walk(full, out, prefix);
      } else if (e.isFile() && !e.name.includes('.tmp-')) {
        const key = relative(this.root, full).split(sep).join('/');
        if (!key.startsWith(prefix)) continue;
        const st = await stat(full);
        out.push({ key, size: st.size, lastModified: st.mtime });
      }
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }

  async deletePrefix(prefix: string): Promise<number> {
    let n = 0;
    for await (const o of this.list(prefix)) {
      await this.delete(o.key);
      n++;
    }
    return n;
  }

  private async mustExist(key: string, p: string) {
    try {
      const st = await stat(p);
      if (!st.isFile()) throw new NotFoundError(key);
      return st;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(key);
      throw err;
    }
  }
}
