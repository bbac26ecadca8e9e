/**
 * Lowers the CPU priority of the calling thread only (Linux: a thread is a task with its own nice value, and
 * setpriority on its thread id leaves the rest of the process alone). The analysis pool runs at a higher nice
 * value (config pool.niceness) so that, when the cores are contended, the kernel gives the main thread — the event
 * loop answering verdict polls — the CPU first (issue 12: verdict p99 under a running analysis). Threads this one
 * starts (an analysis's parallel file readers) inherit its priority. Elsewhere, or when refused, nothing changes.
 */
import { readlinkSync } from 'node:fs';
import os from 'node:os';

/** The nice value of background pool threads (0 = normal, 19 = lowest): low enough to yield, not to starve. */
export const BACKGROUND_NICENESS = 10;

/** This thread's kernel id, from /proc/thread-self ("<pid>/task/<tid>"); null where there is no such link. */
export function currentThreadId(): number | null {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    return Number.isInteger(tid) && tid > 0 ? tid : null;
  } catch {
    return null;
  }
}

/** Sets this thread's nice value; true when applied. Never throws: a priority is a hint, not a requirement. */
export function lowerThreadPriority(niceness: number): boolean {
  const tid = currentThreadId();
  if (tid === null) return false;
  try {
    // Raising one's own nice value needs no privilege; lowering it back would.
    if (os.getPriority(tid) >= niceness) return true;
    os.setPriority(tid, niceness);
    return true;
  } catch {
    return false;
  }
}
