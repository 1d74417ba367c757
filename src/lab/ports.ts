import { createServer } from 'node:net';

/**
 * Asks the OS for a free TCP port on `host` (loopback by default) by binding port 0 and closing again.
 *
 * Use it only for programs that cannot listen on port 0 themselves and report the port back (the
 * Prometheus binary, for one). Gotcha: the port is free when this returns, not necessarily a moment
 * later — another process can take it in between, so callers should retry on "address in use".
 */
export async function getFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error(`could not read the port bound on ${host}`));
        return;
      }
      server.close((err) => (err ? reject(err) : resolve(address.port)));
    });
  });
}
