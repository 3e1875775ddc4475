// A progress bar on stderr when it is a terminal; silent otherwise (pipes, CI, --json consumers).
export interface ProgressBar {
  update(done: number, total: number, detail?: string): void;
  finish(): void;
}

export function progressBar(label: string, enabled = process.stderr.isTTY === true): ProgressBar {
  let last = 0;
  let drawn = false;
  return {
    update(done, total, detail = '') {
      if (!enabled) return;
      const now = Date.now();
      if (now - last < 100 && done < total) return; // about 10 updates a second
      last = now;
      const width = 30;
      const frac = total > 0 ? Math.min(1, done / total) : 0;
      const filled = Math.round(frac * width);
      const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
      process.stderr.write(`\r${label} [${bar}] ${(frac * 100).toFixed(0).padStart(3)}% ${detail}\x1b[K`);
      drawn = true;
    },
    finish() {
      if (enabled && drawn) process.stderr.write('\r\x1b[K');
    },
  };
}
