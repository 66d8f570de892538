import { gzipSync } from 'node:zlib';
import { Header, type HeaderData } from 'tar';

export interface RawEntry {
  path: string;
  body?: Buffer | string;
  type?: HeaderData['type'];
  linkpath?: string;
  /** declared size when it must differ from the body (a lie in the header) */
  size?: number;
}

/**
 * Builds tar bytes entry by entry with node-tar's Header, without the safety rewriting that
 * `tar.create` applies: tests need archives as hostile as the ones attackers write.
 */
export function rawTar(entries: RawEntry[], opts: { end?: boolean } = {}): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const body = e.body === undefined ? Buffer.alloc(0) : Buffer.from(e.body);
    const h = new Header({
      path: e.path,
      type: e.type ?? 'File',
      size: e.size ?? (e.type && e.type !== 'File' ? 0 : body.length),
      mode: 0o644,
      uid: 0,
      gid: 0,
      mtime: new Date('2024-03-14T09:12:00Z'),
      ...(e.linkpath ? { linkpath: e.linkpath } : {}),
    });
    const block = Buffer.alloc(512);
    h.encode(block, 0);
    blocks.push(block);
    if (body.length) {
      blocks.push(body);
      const padLen = (512 - (body.length % 512)) % 512;
      if (padLen) blocks.push(Buffer.alloc(padLen));
    }
  }
  if (opts.end !== false) blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

export const rawTarGz = (entries: RawEntry[], opts?: { end?: boolean }) => gzipSync(rawTar(entries, opts));
