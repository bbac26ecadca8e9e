import type { ChildProcess } from 'node:child_process';

/**
 * Stops a server a setup started: SIGTERM, then SIGKILL if it has not exited after `graceMs` (a server that hangs on
 * shutdown must not hang the test run's teardown). Resolves once the process has exited; at once if it already has.
 */
export async function stopProcess(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(killer);
}
