import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BundleStore, NotFoundError, UnsafeKeyError } from './bundle-store.js';

/**
 * The one behaviour every BundleStore adapter must show (STYLE.md 2). Each adapter's test file calls
 * this with a factory; the S3 run goes against a real S3-compatible server, never a mock.
 */
export function describeStoreContract(
  name: string,
  makeStore: () => Promise<{ store: BundleStore; cleanup: () => Promise<void> }>,
): void {
  describe(`BundleStore contract: ${name}`, () => {
    let store: BundleStore;
    let cleanup: (() => Promise<void>) | undefined;

    beforeAll(async () => {
      ({ store, cleanup } = await makeStore());
    });
    afterAll(async () => {
      await cleanup?.();
    });

    const text = async (s: Readable) => (await readAll(s)).toString('utf8');
    const keysUnder = async (prefix: string) => {
      const out: string[] = [];
      for await (const o of store.list(prefix)) out.push(o.key);
      return out;
    };

    it('returns a Buffer body byte for byte and reports its size', async () => {
      const body = randomBytes(4096);
      expect(await store.put('rt/buffer.bin', body)).toEqual({ size: 4096 });
      expect((await readAll(await store.get('rt/buffer.bin'))).equals(body)).toBe(true);
    });

    it('stores a string as its UTF-8 bytes', async () => {
      const s = 'kubelet: node "ip-10-0-0-1" not ready — ünïcode\n';
      expect(await store.put('rt/string.txt', s)).toEqual({ size: Buffer.byteLength(s) });
      expect(await text(await store.get('rt/string.txt'))).toBe(s);
    });

    it('streams a 20 MiB body in and out unchanged (multipart on S3)', async () => {
      const size = 20 * 1024 * 1024;
      const hashIn = createHash('sha256');
      async function* gen() {
        for (let sent = 0; sent < size; sent += 1 << 20) {
          const chunk = randomBytes(1 << 20);
          hashIn.update(chunk);
          yield chunk;
        }
      }
      expect(await store.put('rt/big.bin', Readable.from(gen()))).toEqual({ size });
      const hashOut = createHash('sha256');
      let got = 0;
      for await (const c of await store.get('rt/big.bin')) {
        hashOut.update(c as Buffer);
        got += (c as Buffer).length;
      }
      expect(got).toBe(size);
      expect(hashOut.digest('hex')).toBe(hashIn.digest('hex'));
      expect((await store.head('rt/big.bin'))?.size).toBe(size);
    });

    describe('getRange', () => {
      const data = Buffer.from(Array.from({ length: 100 }, (_, i) => i));
      beforeAll(async () => {
        await store.put('range/obj.bin', data);
      });
      const range = async (s: number, e: number) => readAll(await store.getRange('range/obj.bin', s, e));

      it('returns exactly bytes [start, end) from the middle', async () => {
        expect((await range(10, 20)).equals(data.subarray(10, 20))).toBe(true);
      });
      it('clamps an end past the object size to the last byte', async () => {
        expect((await range(90, 1000)).equals(data.subarray(90))).toBe(true);
      });
      it('returns an empty stream for an empty range', async () => {
        expect((await range(30, 30)).length).toBe(0);
      });
      it('returns an empty stream when start is at or beyond the size', async () => {
        expect((await range(100, 110)).length).toBe(0);
        expect((await range(150, 200)).length).toBe(0);
      });
      it('returns an empty stream for any range of an empty object', async () => {
        await store.put('range/empty.bin', Buffer.alloc(0));
        expect((await readAll(await store.getRange('range/empty.bin', 0, 10))).length).toBe(0);
      });
      it('rejects with NotFoundError for a missing key, even for an empty range', async () => {
        await expect(store.getRange('range/missing.bin', 0, 10)).rejects.toBeInstanceOf(NotFoundError);
        await expect(store.getRange('range/missing.bin', 5, 5)).rejects.toBeInstanceOf(NotFoundError);
      });
    });

    it('getBuffer returns the whole small object', async () => {
      await store.put('buf/manifest.json', '{"files":3}');
      expect((await store.getBuffer('buf/manifest.json')).toString()).toBe('{"files":3}');
    });

    it('head reports the size of a present key and undefined for an absent one', async () => {
      await store.put('head/present.txt', 'x'.repeat(1234));
      const info = await store.head('head/present.txt');
      expect(info).toMatchObject({ key: 'head/present.txt', size: 1234 });
      expect(info?.lastModified).toBeInstanceOf(Date);
      expect(await store.head('head/absent.txt')).toBeUndefined();
    });

    it('get, getRange and getBuffer of a missing key reject with NotFoundError', async () => {
      await expect(store.get('missing/nothing.bin')).rejects.toBeInstanceOf(NotFoundError);
      await expect(store.getBuffer('missing/nothing.bin')).rejects.toBeInstanceOf(NotFoundError);
      await expect(store.getRange('missing/nothing.bin', 0, 1)).rejects.toBeInstanceOf(NotFoundError);
    });

    describe('list and deletePrefix', () => {
      // 1100 keys: more than one 1000-key ListObjectsV2 page and one DeleteObjects batch on S3.
      const many = Array.from({ length: 1100 }, (_, i) => `many/k${String(i).padStart(4, '0')}.txt`);
      beforeAll(async () => {
        await inBatches(many, 32, (k) => store.put(k, k));
        await store.put('many-other/k0000.txt', 'x'); // shares the string prefix "many"
        await store.put('manz/k.txt', 'x');
      });

      it('lists every key under the prefix, sorted, across S3 page boundaries', async () => {
        const got = await keysUnder('many/');
        expect(got).toHaveLength(1100);
        expect(got).toEqual([...many].sort());
      });

      it('lists only keys under the prefix and returns their sizes', async () => {
        const items: { key: string; size: number }[] = [];
        for await (const o of store.list('many-other/')) items.push({ key: o.key, size: o.size });
        expect(items).toEqual([{ key: 'many-other/k0000.txt', size: 1 }]);
        expect(await keysUnder('nothing-here/')).toEqual([]);
      });

      it('deletePrefix removes exactly the keys under the prefix and counts them', async () => {
        expect(await store.deletePrefix('many/')).toBe(1100);
        expect(await keysUnder('many/')).toEqual([]);
        expect(await keysUnder('many-other/')).toEqual(['many-other/k0000.txt']);
        expect(await store.head('manz/k.txt')).toBeDefined();
        expect(await store.deletePrefix('many/')).toBe(0);
      });
    });

    it('deletePrefix keeps sibling directories whose names extend the prefix', async () => {
      await Promise.all(['del/a/x', 'del/a/y/z', 'del/ab', 'del/b/x'].map((k) => store.put(k, k)));
      expect(await store.deletePrefix('del/a/')).toBe(2);
      expect(await keysUnder('del/')).toEqual(['del/ab', 'del/b/x']);
    });

    it('delete of a missing key resolves, and delete removes a present key', async () => {
      await expect(store.delete('del-one/never-there.txt')).resolves.toBeUndefined();
      await store.put('del-one/there.txt', 'x');
      await store.delete('del-one/there.txt');
      expect(await store.head('del-one/there.txt')).toBeUndefined();
    });

    it('overwriting a key replaces the whole object', async () => {
      await store.put('ow/obj.txt', 'a much longer first version of the object');
      await store.put('ow/obj.txt', Readable.from([Buffer.from('second')]));
      expect(await text(await store.get('ow/obj.txt'))).toBe('second');
      expect((await store.head('ow/obj.txt'))?.size).toBe(6);
      expect(await keysUnder('ow/')).toEqual(['ow/obj.txt']);
    });

    it.each([
      ['a ".." segment', 'a/../../escape.txt'],
      ['a leading "/"', '/etc/passwd'],
      ['a NUL byte', 'a/b\u0000c.txt'],
    ])('refuses a key with %s with UnsafeKeyError before reading the body', async (_why, key) => {
      let bodyRead = false;
      const body = new Readable({
        read() {
          bodyRead = true;
          this.push(null);
        },
      });
      await expect(store.put(key, body)).rejects.toBeInstanceOf(UnsafeKeyError);
      await expect(store.put(key, 'x')).rejects.toBeInstanceOf(UnsafeKeyError);
      expect(bodyRead).toBe(false);
      await expect(store.get(key)).rejects.toBeInstanceOf(UnsafeKeyError);
      await expect(store.getRange(key, 0, 1)).rejects.toBeInstanceOf(UnsafeKeyError);
      await expect(store.getBuffer(key)).rejects.toBeInstanceOf(UnsafeKeyError);
      await expect(store.head(key)).rejects.toBeInstanceOf(UnsafeKeyError);
      await expect(store.delete(key)).rejects.toBeInstanceOf(UnsafeKeyError);
    });

    it('refuses a prefix that climbs out with ".." in list and deletePrefix', async () => {
      await expect(keysUnder('a/../')).rejects.toBeInstanceOf(UnsafeKeyError);
      await expect(store.deletePrefix('a/../')).rejects.toBeInstanceOf(UnsafeKeyError);
    });
  });
}

async function readAll(s: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(parts);
}

async function inBatches<T>(items: T[], width: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += width) await Promise.all(items.slice(i, i + width).map(fn));
}
