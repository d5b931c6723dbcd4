import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AppError } from '../../src/errors.js';
import { startOnboardingWorkers } from '../../src/polling/index.js';
import { buildHarness } from './harness.js';

const NOW = new Date('2026-11-26T10:00:00Z');

beforeEach(() => {
  vi.useFakeTimers({ now: NOW });
  // Jitter factor 1 + 0.1 × (0.5 × 2 − 1) = 1: intervals are exact.
  vi.spyOn(Math, 'random').mockReturnValue(0.5);
});
afterEach(() => {
  vi.useRealTimers();
});

describe('startOnboardingWorkers', () => {
  it('starts nothing when no PSA has onboarding configured', async () => {
    const h = buildHarness({ env: { CW_ONBOARDING_BOARD: '', CW_ONBOARDING_STATUS: '', HALO_ONBOARDING_REQUESTTYPE_ID: '' } });
    const workers = startOnboardingWorkers(h.services);
    await vi.advanceTimersByTimeAsync(600_000);
    expect(workers.psas).toEqual([]);
    expect(h.psa.connectwise.calls.list + h.psa.halo.calls.list).toBe(0);
    expect(h.services.health.snapshot()).toEqual({});
    await workers.stop();
  });

  it('runs the first cycle at start-up, then every POLL_INTERVAL_SECONDS, per PSA, reported in /readyz', async () => {
    const h = buildHarness();
    const workers = startOnboardingWorkers(h.services);
    await vi.advanceTimersByTimeAsync(0);
    expect(h.psa.connectwise.calls.list).toBe(1);
    expect(h.psa.halo.calls.list).toBe(1);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(h.psa.connectwise.calls.list).toBe(2);
    const health = h.services.health.snapshot();
    expect(Object.keys(health).sort()).toEqual(['poller:connectwise', 'poller:halo', 'scheduler']);
    expect(health['poller:connectwise']!.lastSuccessAt).toBe('2026-11-26T10:02:00.000Z');
    await workers.stop();
    expect(h.services.health.snapshot()['poller:halo']!.running).toBe(false);
  });

  it('a throttled PSA backs off (honouring Retry-After) while the other keeps its pace', async () => {
    const h = buildHarness();
    for (let i = 0; i < 3; i += 1) h.psa.connectwise.listErrors.push(new AppError('UPSTREAM_THROTTLED', undefined, { retryAfterSeconds: 600 }));
    const workers = startOnboardingWorkers(h.services);

    await vi.advanceTimersByTimeAsync(20 * 60_000);
    // Halo: at start-up and every 2 minutes. ConnectWise: at start-up and after each 10-minute Retry-After.
    expect(h.psa.halo.calls.list).toBe(11);
    expect(h.psa.connectwise.calls.list).toBe(3);
    const health = h.services.health.snapshot();
    expect(health['poller:halo']!.lastSuccessAt).toBe('2026-11-26T10:20:00.000Z');
    expect(health['poller:connectwise']!.lastSuccessAt).toBeUndefined();
    expect(health['poller:connectwise']!.lastError).toContain('throttling');
    expect(h.cycleLines('connectwise').every((l) => l.errors === 1)).toBe(true);

    // After the third failure (20:00) the doubling backoff (2 min × 2³ = 16 min) outgrows Retry-After: next try at
    // 36:00 succeeds, then the normal interval resumes.
    await vi.advanceTimersByTimeAsync(16 * 60_000 - 1);
    expect(h.psa.connectwise.calls.list).toBe(3);
    await vi.advanceTimersByTimeAsync(1);
    expect(h.psa.connectwise.calls.list).toBe(4);
    expect(h.services.health.snapshot()['poller:connectwise']!.lastSuccessAt).toBe('2026-11-26T10:36:00.000Z');
    await vi.advanceTimersByTimeAsync(120_000);
    expect(h.psa.connectwise.calls.list).toBe(5);
    await workers.stop();
  });
});
