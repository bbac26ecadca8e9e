/**
 * Test support: a TCP proxy on 127.0.0.1 in front of a real server that can break answers on the wire — `cut`
 * (forward `afterBytes` of the answer, then reset both sockets) or `stall` (forward `afterBytes`, then hold the
 * connection open and send nothing more). `once: true` heals after the first fault, to show that a retry recovers.
 */
import net, { type AddressInfo, type Socket } from 'node:net';

export type Fault = { kind: 'pass' } | { kind: 'cut' | 'stall'; afterBytes: number; once?: boolean };

export class FaultProxy {
  fault: Fault = { kind: 'pass' };
  /** Faults applied so far. */
  faults = 0;
  connections = 0;
  private server: net.Server | null = null;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly target: { host: string; port: number }) {}

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async start(): Promise<void> {
    this.server = net.createServer((client) => {
      this.connections++;
      const upstream = net.connect(this.target);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.on('data', (b) => upstream.write(b));
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      let sent = 0;
      let held = false;
      upstream.on('data', (b: Buffer) => {
        if (held) return;
        const f = this.fault;
        if (f.kind === 'pass' || sent + b.length <= f.afterBytes) {
          sent += b.length;
          client.write(b);
          return;
        }
        client.write(b.subarray(0, Math.max(0, f.afterBytes - sent)));
        this.faults++;
        if (f.once) this.fault = { kind: 'pass' };
        if (f.kind === 'cut') {
          client.resetAndDestroy();
          upstream.destroy();
        } else held = true;
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    for (const sock of this.sockets) sock.destroy();
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }
}
