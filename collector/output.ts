import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, stat, truncate, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Transform } from 'node:stream';

/**
 * One file of the staged bundle tree. Several sources may append to one path (eks-log-collector.sh's
 * `*** Output of … ***` sections); a source that wrote nothing into a file it created removes it again,
 * so "missing" stays distinguishable from "empty" for the analysis.
 */
export class StagedOutput {
  private constructor(readonly rel: string, readonly path: string, readonly stream: WriteStream, private readonly existed: boolean, private readonly sizeAtOpen: number) {}

  static async open(stagingDir: string, rel: string, header?: string): Promise<StagedOutput> {
    const path = join(stagingDir, rel);
    await mkdir(dirname(path), { recursive: true });
    const size = await stat(path).then((s) => s.size, () => -1);
    const stream = createWriteStream(path, { flags: 'a' });
    if (header !== undefined) stream.write(`${header}\n`);
    return new StagedOutput(rel, path, stream, size >= 0, Math.max(0, size));
  }

  /** Waits for the stream to be flushed (the pipeline that fed it ended it), or ends it. */
  async close(): Promise<void> {
    if (!this.stream.writableEnded) this.stream.end();
    if (!this.stream.writableFinished && !this.stream.destroyed) {
      await new Promise<void>((res) => {
        this.stream.once('finish', () => res());
        this.stream.once('close', () => res());
        this.stream.once('error', () => res());
      });
    }
  }

  /**
   * Undoes this source's writes: back to the size the file had when opened (rows sharing a file keep
   * theirs), or removed if this source created it. Used when the staging disk filled mid-write: a
   * cut copy is worth less than the room the collector manifest needs to be written at all.
   */
  async discard(): Promise<void> {
    await this.close();
    if (this.existed) await truncate(this.path, this.sizeAtOpen).catch(() => undefined);
    else await unlink(this.path).catch(() => undefined);
  }

  /** Removes the file if this source created it and the host gave us nothing. */
  async dropIfNothing(hostBytes: number): Promise<boolean> {
    await this.close();
    if (this.existed || hostBytes > 0) return false;
    await unlink(this.path).catch(() => undefined);
    return true;
  }
}

/** Passes at most `max` bytes, then drops the rest and calls `onCap` once. */
export function capStream(max: number, onCap: () => void): Transform & { bytes: number; capped: boolean } {
  const t = new Transform({
    transform(chunk: Buffer, _e, cb) {
      if (t.capped) return cb();
      const room = max - t.bytes;
      if (chunk.length > room) {
        t.capped = true;
        t.bytes += room;
        onCap();
        return cb(null, chunk.subarray(0, room));
      }
      t.bytes += chunk.length;
      cb(null, chunk);
    },
  }) as Transform & { bytes: number; capped: boolean };
  t.bytes = 0;
  t.capped = false;
  return t;
}

/** Drops everything up to and including the first newline: a tail read starts mid-line. */
export function dropFirstPartialLine(): Transform {
  let dropping = true;
  return new Transform({
    transform(chunk: Buffer, _e, cb) {
      if (!dropping) return cb(null, chunk);
      const i = chunk.indexOf(0x0a);
      if (i < 0) return cb();
      dropping = false;
      cb(null, chunk.subarray(i + 1));
    },
  });
}
