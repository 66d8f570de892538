import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root: two levels above this file in dist/cli/ and one above it in cli/. */
export function packageRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return here.includes(`${join('dist', 'cli')}`) ? join(here, '..', '..') : join(here, '..');
}

export const defaultSopsDir = () => join(packageRoot(), 'sops');
