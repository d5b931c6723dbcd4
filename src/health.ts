/** Background workers report here; /readyz and the admin Health page read it. */
export interface WorkerStatus {
  running: boolean;
  lastSuccessAt?: string | undefined;
  lastErrorAt?: string | undefined;
  lastError?: string | undefined;
  detail?: Record<string, unknown> | undefined;
}

export interface HealthRegistry {
  report(worker: string, status: Partial<WorkerStatus>): void;
  snapshot(): Record<string, WorkerStatus>;
}

export function createHealthRegistry(): HealthRegistry {
  const workers = new Map<string, WorkerStatus>();
  return {
    report(worker, status) {
      workers.set(worker, { running: false, ...workers.get(worker), ...status });
    },
    snapshot: () => Object.fromEntries([...workers].map(([k, v]) => [k, { ...v }])),
  };
}
