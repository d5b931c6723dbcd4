/**
 * One AbortController per outbound request, its timer cleared the moment the request is done. `AbortSignal.timeout`
 * keeps its timer (and the signal) alive for the full delay even after the answer came: a burst of presses left
 * thousands of them behind (docs/benchmarks.md). The abort reason is the same TimeoutError that one gives.
 */
export async function withDeadline<T>(ms: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')), ms);
  try {
    return await work(controller.signal);
  } finally {
    clearTimeout(timer);
  }
}
