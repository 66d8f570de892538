/**
 * Pure checks of what a capture request names, shared by the node's capture runner (collector/) and
 * the operator's SSM capture (operator/), which may not import each other (DESIGN.md §2).
 */

/** The caller can fix this: a filter that does not compile, an unknown interface, a limit out of range. */
export class CaptureInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CaptureInputError';
  }
}

export const MAX_FILTER_LENGTH = 1024;
export const MAX_DURATION_SECONDS = 3600;

/**
 * Cheap refusals before tcpdump sees the filter: length, and control characters (a newline would
 * be the classic way to smuggle a second line into anything that is line-oriented). Everything else
 * is the BPF compiler's call: no character blacklist (DESIGN.md §11), the compiler is the parser.
 */
export function checkFilterText(filter: string): void {
  if (filter.length > MAX_FILTER_LENGTH) throw new CaptureInputError(`filter is ${filter.length} characters; at most ${MAX_FILTER_LENGTH}`);
  // eslint-disable-next-line no-control-regex
  const bad = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.exec(filter);
  if (bad) throw new CaptureInputError(`filter contains a control character (U+${bad[0].charCodeAt(0).toString(16).padStart(4, '0')}) at offset ${bad.index}; a BPF filter is one line of text`);
}

/**
 * Linux dev_valid_name (net/core/dev.c): 1..15 bytes (IFNAMSIZ 16 with the NUL), not "." or "..",
 * no '/', ':' or whitespace. Stricter on purpose: printable ASCII only, no leading '-' (it would read
 * as an option to ip), and not all digits (tcpdump -i takes a number as an interface index).
 */
export function checkInterfaceName(name: string): void {
  if (name === 'any') return;
  const show = JSON.stringify(name.slice(0, 40));
  if (name.length < 1 || Buffer.byteLength(name) > 15) throw new CaptureInputError(`interface name ${show} must be 1 to 15 characters (Linux IFNAMSIZ)`);
  if (name === '.' || name === '..') throw new CaptureInputError(`interface name ${show} is not valid`);
  if (/[/:\s]/.test(name)) throw new CaptureInputError(`interface name ${show} contains '/', ':' or whitespace, which Linux interface names cannot`);
  if (!/^[\x21-\x7e]+$/.test(name)) throw new CaptureInputError(`interface name ${show} has characters outside printable ASCII`);
  if (name.startsWith('-')) throw new CaptureInputError(`interface name ${show} starts with '-'`);
  if (/^\d+$/.test(name)) throw new CaptureInputError(`interface name ${show} is all digits, which tcpdump would read as an interface index`);
}
