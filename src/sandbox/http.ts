import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import type { Hono } from 'hono';

/** Where a simulated server listens. Port 0 (the default) picks a free port, so parallel test files never collide. */
export interface ListenOptions {
  host?: string;
  port?: number;
  /** PEM key and certificate: the server speaks https (Entra/Graph must, since MSAL refuses http authorities). */
  tls?: { key: string; cert: string };
}

export interface RunningServer {
  /** Origin without a trailing slash, e.g. http://127.0.0.1:54321. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** A source of "now", injectable so tests can pin the simulated services' clock. */
export type Clock = () => Date;
export const systemClock: Clock = () => new Date();

// Generic over the app's bindings so each server can type `c.env` (the fault layer needs the raw socket).
 
export async function listen(app: Hono<any>, opts: ListenOptions = {}): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1';
  const server: ServerType = await new Promise((resolve) => {
    const s = serve(
      {
        fetch: app.fetch,
        hostname: host,
        port: opts.port ?? 0,
        // Keep Node's own Request/Response globals: the connector may run in the same process as the sandbox.
        overrideGlobalObjects: false,
        ...(opts.tls ? { createServer: createHttpsServer, serverOptions: { key: opts.tls.key, cert: opts.tls.cert } } : {}),
      },
      () => resolve(s),
    );
  });
  const port = (server.address() as AddressInfo).port;
  const scheme = opts.tls ? 'https' : 'http';
  return {
    url: `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        const s = server as import('node:http').Server;
        // Held or keep-alive connections would otherwise keep close() waiting for their idle timeout.
        s.closeAllConnections?.();
        s.close(() => resolve());
      }),
  };
}
