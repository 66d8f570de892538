import { ToolError } from '../tool-definition.js';

/**
 * The local mode's honest answer for what only the in-cluster server can do: a tool error that
 * says what is missing and what works instead. No fake data.
 */
export function notAvailable(what: string, missing: string, instead: string): never {
  throw new ToolError(`${what} is not available in this server: ${missing}. Meanwhile: ${instead}`);
}
