export type Fetch = typeof globalThis.fetch;

/**
 * The fetch that MSAL and the Graph client use. Normally Node's global fetch (which nock intercepts in tests).
 * In sandbox mode the simulated Entra/Graph servers present a certificate from a CA made at start-up; that CA is
 * trusted here, for these two clients only — never process-wide (no NODE_TLS_REJECT_UNAUTHORIZED, and
 * NODE_EXTRA_CA_CERTS is read only at process start: reference/node-stack.md).
 * The undici package is loaded only then: production never needs it (its fetch is Node's own), and loading it costs
 * start-up time and memory (docs/benchmarks.md).
 */
export function createEntraFetch(opts: { trustedCaPem?: string | undefined } = {}): Fetch {
  const ca = opts.trustedCaPem;
  if (!ca) return (input, init) => globalThis.fetch(input, init);
  let dispatcher: Promise<unknown> | undefined;
  return async (input, init) => {
    dispatcher ??= import('undici').then(({ Agent }) => new Agent({ connect: { ca } }));
    // undici 6's Agent is the dispatcher type Node 20's bundled fetch accepts; the two type packages differ by version.
    return globalThis.fetch(input, { ...init, dispatcher: await dispatcher } as RequestInit);
  };
}
