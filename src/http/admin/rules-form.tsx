/** @jsxImportSource hono/jsx */
import type { FC } from 'hono/jsx';
import type { PsaKind } from '../../domain.js';
import type { TenantMapping } from '../../db/mappings.js';
import type { AdminSession } from './sessions.js';
import { CheckboxField, CsrfInput, Notice, SelectField, TextField } from './layout.js';
import type { FieldErrors, RawRuleFields } from './mapping-fields.js';

/** Every IANA zone this Node knows, computed once (≈ 420 entries). */
const TIME_ZONES: { value: string; label: string }[] = (() => {
  const zones = Intl.supportedValuesOf('timeZone');
  if (!zones.includes('UTC')) zones.unshift('UTC');
  return zones.map((z) => ({ value: z, label: z.replace(/_/g, ' ') }));
})();

const HOURS = Array.from({ length: 24 }, (_, h) => ({ value: String(h), label: `${String(h).padStart(2, '0')}:00` }));

/** The form's values: what the admin typed (after a failed save) or the stored mapping, as text. */
export function formValuesOf(mapping: TenantMapping | undefined, defaults: { timeZone: string; activationHour: number }): RawRuleFields {
  if (!mapping) {
    return { tenant: '', time_zone: defaults.timeZone, activation_hour: String(defaults.activationHour), default_lifetime_minutes: '', usable_once: 'true', allow_privileged: '', enabled: 'true' };
  }
  return {
    tenant: mapping.tenantDomain ?? mapping.tenantId,
    time_zone: mapping.timeZone,
    activation_hour: String(mapping.activationHour),
    default_lifetime_minutes: mapping.defaultLifetimeMinutes === null ? '' : String(mapping.defaultLifetimeMinutes),
    usable_once: mapping.usableOnce ? 'true' : '',
    allow_privileged: mapping.allowPrivileged ? 'true' : '',
    enabled: mapping.enabled ? 'true' : '',
  };
}

const checked = (v: string | undefined) => v === 'true' || v === 'on';

export const RulesForm: FC<{
  session: AdminSession;
  psa: PsaKind;
  companyId: string;
  values: RawRuleFields;
  errors: FieldErrors;
  mapped: boolean;
}> = ({ session, psa, companyId, values, errors, mapped }) => (
  <form method="post" action={`/admin/companies/${psa}/${encodeURIComponent(companyId)}`} class="card" novalidate>
    <h2>{mapped ? 'Tenant and rules' : 'Map to a tenant'}</h2>
    {Object.keys(errors).length > 0 ? <Notice kind="error">Nothing was saved. Correct the fields marked below.</Notice> : null}
    {errors.form ? <Notice kind="error">{errors.form}</Notice> : null}
    <CsrfInput session={session} />
    <TextField
      name="tenant"
      label="Tenant domain or tenant id"
      value={values.tenant}
      error={errors.tenant}
      hint="A verified domain such as contoso.com (looked up with Microsoft) or the tenant id GUID."
      required
      autocomplete="off"
    />
    <div class="row">
      <SelectField name="time_zone" label="Time zone" value={values.time_zone ?? 'UTC'} options={TIME_ZONES} error={errors.time_zone} hint="Start dates in tickets are read in this zone." />
      <SelectField name="activation_hour" label="Activation hour" value={values.activation_hour ?? '8'} options={HOURS} error={errors.activation_hour} hint="A pass for a future start date becomes valid at this local hour." />
    </div>
    <TextField
      name="default_lifetime_minutes"
      label="Default lifetime (minutes)"
      value={values.default_lifetime_minutes}
      error={errors.default_lifetime_minutes}
      hint="Blank = the tenant policy's default. Clamped into the policy's minimum and maximum."
      inputmode="numeric"
    />
    <CheckboxField name="usable_once" label="One-time use" checked={checked(values.usable_once)} error={errors.usable_once} hint="The policy may force one-time use regardless." />
    <CheckboxField
      name="allow_privileged"
      label="Allow passes for privileged accounts"
      checked={checked(values.allow_privileged)}
      error={errors.allow_privileged}
      hint="Warning: a pass for an account holding an Entra admin role lets whoever reads the ticket act as that admin. Leave off unless this customer's process requires it."
    />
    <CheckboxField name="enabled" label="Enabled (passes may be issued for this company)" checked={checked(values.enabled)} error={errors.enabled} />
    <button type="submit">{mapped ? 'Save and test connection' : 'Map and test connection'}</button>
  </form>
);
