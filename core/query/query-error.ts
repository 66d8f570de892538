import { UnknownBundleError } from './bundle-ref.js';
import { WindowError } from './time-window.js';

/**
 * The caller asked for something the data cannot answer (an unknown id, a bad parameter, too few
 * nodes); the message says what to change. Tools turn it into a ToolError; anything else is a bug.
 */
export class QueryInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QueryInputError';
  }
}

/** Errors of the query layer that the caller can fix by changing the call (STYLE.md 7). */
export function isCallerError(err: unknown): err is Error {
  return err instanceof QueryInputError || err instanceof UnknownBundleError || err instanceof WindowError;
}
