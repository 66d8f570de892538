/** Caps that keep a hostile archive from exhausting the hub; every one is recorded when it trips. */
export interface IngestLimits {
  /** entries beyond this are skipped with reason `entry-limit` */
  maxEntries: number;
  /** one file larger than this is skipped with reason `file-too-large` */
  maxFileBytes: number;
  /** total uncompressed bytes; beyond it ingest stops with a tar-bomb error */
  maxTotalBytes: number;
  /** uncompressed / compressed; checked once `ratioGraceBytes` have been expanded */
  maxExpansionRatio: number;
  ratioGraceBytes: number;
  /** a line longer than this is scanned in fragments */
  maxLineBytes: number;
}

export const DEFAULT_LIMITS: IngestLimits = {
  maxEntries: 200_000,
  maxFileBytes: 64 * 1024 ** 3,
  maxTotalBytes: 256 * 1024 ** 3,
  maxExpansionRatio: 1000,
  ratioGraceBytes: 256 * 1024 ** 2,
  maxLineBytes: 1 << 20,
};

export class IngestError extends Error {
  constructor(message: string, readonly kind: 'corrupt-archive' | 'tar-bomb' | 'empty-archive' | 'not-found' | 'unsupported') {
    super(message);
    this.name = 'IngestError';
  }
}
