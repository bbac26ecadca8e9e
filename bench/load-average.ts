import { availableParallelism, loadavg } from 'node:os';

/** "load average 1.2 0.8 0.5 on 2 cores": printed next to timings, which mean little on a busy machine. */
export function loadAverageLine(): string {
  return `load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${availableParallelism()} cores`;
}
