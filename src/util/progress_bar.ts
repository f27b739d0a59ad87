// A one-line progress bar on stderr (redrawn in place on a terminal, printed
// every few seconds otherwise so logs stay readable).
export class ProgressBar {
  readonly #start = Date.now();
  #lastPrint = 0;
  readonly #tty = Boolean(process.stderr.isTTY);

  constructor(readonly label: string, readonly total: number, readonly enabled = !process.env.SMIT_NO_PROGRESS) {}

  update(done: number, detail = ''): void {
    if (!this.enabled) return;
    const now = Date.now();
    const finished = done >= this.total;
    if (!finished && now - this.#lastPrint < (this.#tty ? 100 : 5000)) return;
    this.#lastPrint = now;
    const width = 24;
    const fraction = this.total > 0 ? Math.min(1, done / this.total) : 1;
    const filled = Math.round(fraction * width);
    const elapsed = (now - this.#start) / 1000;
    const eta = done > 0 && !finished ? ` eta ${formatSeconds((elapsed * (this.total - done)) / done)}` : '';
    const line = `${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${this.total} ${formatSeconds(elapsed)}${eta} ${detail}`;
    process.stderr.write(this.#tty ? `\r${line}\x1b[K${finished ? '\n' : ''}` : `${line}\n`);
  }
}

function formatSeconds(s: number): string {
  if (s < 60) return `${s.toFixed(0)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
