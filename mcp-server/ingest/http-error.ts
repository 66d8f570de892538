/** A refusal the ingest endpoint answers with this status and message (never with internals or tokens). */
export class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
    this.name = 'HttpError';
  }
}
