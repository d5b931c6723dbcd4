import { z } from 'zod';
import { blankToUndefined, int, isIanaZone, type ParsedShape } from './shared.js';

/** A pass's life: issuance rules (idempotency, note deadline, policy cache, defaults) and the onboarding poller. */
export const lifecycleShape = {
  // --- issuance rules
  IDEMPOTENCY_WINDOW_MINUTES: int(0, 1440, 10),
  NOTE_DELIVERY_DEADLINE_MINUTES: int(5, 10080, 120),
  TAP_POLICY_CACHE_SECONDS: int(0, 86400, 300),
  DEFAULT_TIME_ZONE: z.preprocess(
    blankToUndefined,
    z.string().refine(isIanaZone, { message: 'expected an IANA time zone such as Europe/Amsterdam' }).default('UTC'),
  ),
  DEFAULT_ACTIVATION_HOUR: int(0, 23, 8),

  // --- onboarding poller
  POLL_INTERVAL_SECONDS: int(1, 86400, 120),
  ISSUE_LEAD_DAYS: int(0, 60, 3),
  DATE_ORDER: z.preprocess(blankToUndefined, z.enum(['DMY', 'MDY']).default('DMY')),

  // --- pass lifecycle (issue 12): how often to ask Graph whether users whose pass has started have enrolled
  FOLLOW_UP_INTERVAL_SECONDS: int(1, 86400, 900),
};

type LifecycleEnv = ParsedShape<typeof lifecycleShape>;

export interface TapRulesConfig {
  idempotencyWindowMinutes: number;
  noteDeliveryDeadlineMinutes: number;
  policyCacheSeconds: number;
  defaultTimeZone: string;
  defaultActivationHour: number;
}

export interface PollingConfig {
  intervalSeconds: number;
  leadDays: number;
  dateOrder: 'DMY' | 'MDY';
  /** FOLLOW_UP_INTERVAL_SECONDS: the enrolment follow-up's period. */
  followUpIntervalSeconds: number;
}

export function buildLifecycle(env: LifecycleEnv): { tap: TapRulesConfig; polling: PollingConfig } {
  return {
    tap: {
      idempotencyWindowMinutes: env.IDEMPOTENCY_WINDOW_MINUTES,
      noteDeliveryDeadlineMinutes: env.NOTE_DELIVERY_DEADLINE_MINUTES,
      policyCacheSeconds: env.TAP_POLICY_CACHE_SECONDS,
      defaultTimeZone: env.DEFAULT_TIME_ZONE,
      defaultActivationHour: env.DEFAULT_ACTIVATION_HOUR,
    },
    polling: { intervalSeconds: env.POLL_INTERVAL_SECONDS, leadDays: env.ISSUE_LEAD_DAYS, dateOrder: env.DATE_ORDER, followUpIntervalSeconds: env.FOLLOW_UP_INTERVAL_SECONDS },
  };
}
