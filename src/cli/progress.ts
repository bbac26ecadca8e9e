/**
 * A progress indicator on stderr, shown only when stderr is a terminal (pipelines get clean logs).
 * Redraws at most every 100 ms so a fast reader is not slowed down by the terminal.
 */
export interface Progress {
  update: (fraction: number) => void;
  log: (message: string) => void;
  done: () => void;
}

export const DEFAULT_REDRAW_MS = 100;

export function createProgress(stream: NodeJS.WriteStream): Progress {
  const tty = Boolean(stream.isTTY);
  let last = 0;
  let shown = false;
  const clear = () => {
    if (shown) stream.write('\r\x1b[K');
    shown = false;
  };
  return {
    update(fraction) {
      if (!tty) return;
      const now = performance.now();
      if (now - last < DEFAULT_REDRAW_MS && fraction < 1) return;
      last = now;
      const pct = Math.max(0, Math.min(100, Math.round(fraction * 100)));
      const width = 30;
      const filled = Math.round((pct / 100) * width);
      stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${pct}% reading telemetry`);
      shown = true;
    },
    log(message) {
      clear();
      stream.write(`aftershock: ${message}\n`);
    },
    done: clear,
  };
}
