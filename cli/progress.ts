/**
 * A one-line progress bar on stderr, only when stderr is a TTY and the input is large. Written by
 * hand: it is ten lines, and a library would pull in terminal handling we do not need.
 */
export function progressBar(total: number | undefined, label: string): ((done: number) => void) & { done(): void } {
  const tty = process.stderr.isTTY === true && (total ?? 0) > 32 * 1024 * 1024;
  let last = 0;
  const f = ((done: number) => {
    if (!tty || !total) return;
    const now = Date.now();
    if (now - last < 200) return;
    last = now;
    const pct = Math.min(1, done / total);
    const bar = '#'.repeat(Math.round(pct * 30)).padEnd(30, '.');
    process.stderr.write(`\r${label} [${bar}] ${(pct * 100).toFixed(0)}% ${(done / 1048576).toFixed(0)}/${(total / 1048576).toFixed(0)} MiB`);
  }) as ((done: number) => void) & { done(): void };
  f.done = () => {
    if (tty && last) process.stderr.write('\r\u001b[2K');
  };
  return f;
}
