/**
 * Character codes used by the timestamp parsers. The parsers work over `charCodeAt` rather than
 * regexes or substrings (no backtracking, no allocation on hot paths), so they compare against
 * these named constants; keeping them in one place lets every parser module share one spelling.
 */

// Character codes.
export const TAB = 9;
export const SP = 32;
export const QUOTE = 34;
export const PLUS = 43;
export const COMMA = 44;
export const DASH = 45;
export const DOT = 46;
export const SLASH = 47;
export const D0 = 48;
export const COLON = 58;
export const UPPER_A = 65;
export const UPPER_Z = 90;
export const LBRACKET = 91;
export const RBRACKET = 93;
export const LOWER_A = 97;
export const LOWER_Z = 122;
export const UPPER_E = 69;
export const UPPER_F = 70;
export const UPPER_I = 73;
export const UPPER_T = 84;
export const UPPER_W = 87;
export const LOWER_E = 101;
export const LOWER_T = 116;
export const UPPER_P = 80;
export const LBRACE = 123;
export const BOM = 0xfeff;
