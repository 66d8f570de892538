import { Transform, type TransformCallback } from 'node:stream';

/** The upload passed the size cap: the request is answered 413 and nothing past the cap is read. */
export class TooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`upload exceeds the hub's limit of ${limit} bytes`);
    this.name = 'TooLargeError';
  }
}

/**
 * Counts bytes as they stream through and fails the stream once they pass `limit`. `tripped` lets
 * the caller tell this failure from a corrupt archive after the consumer has wrapped the error.
 */
export class ByteCap extends Transform {
  bytes = 0;
  tripped = false;

  constructor(private readonly limit: number) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limit) {
      this.tripped = true;
      cb(new TooLargeError(this.limit));
      return;
    }
    cb(null, chunk);
  }
}
