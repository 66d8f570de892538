/**
 * Shared state of the shape parsers: the three-way `Outcome` of a parse attempt (shape absent,
 * valid, or present with impossible values) and the `S` scratch record the last parser filled in.
 * Parsing is single-threaded and synchronous, so one module-level record replaces a result
 * object per attempt; every parser module imports this same record, and callers copy what they
 * need from it before calling another parser.
 */

// Outcome of a shape parser: the shape is not there / it is there and valid / it is there but
// holds impossible values.
export const NO = 0;
export const OK = 1;
export const BAD = -1;
export type Outcome = typeof NO | typeof OK | typeof BAD;

/**
 * Scratch results of the last shape parser (single-threaded, synchronous: avoids allocating a
 * result object per attempt). Callers copy what they need before calling another parser.
 */
export const S = {
  end: 0, // index just past what was parsed
  ms: 0, // parsed instant (for parsers that know the year)
  month0: 0,
  day: 0,
  hh: 0,
  mi: 0,
  ss: 0,
  frac: 0, // truncated milliseconds of the fraction
  hasFrac: false,
  comma: false, // fraction introduced by ',' (Python logging / cloud-init)
  tSep: false, // ISO date and time separated by 'T'
  slash: false, // date written YYYY/MM/DD (Go log package)
};
