import { BUTTON_FAILURE_LIMITS } from '../../src/http/button-auth.js';
import { BUTTON_BODY_LIMIT_BYTES } from '../../src/http/button.js';
import { ADMIN_TOKEN_LIMITS } from '../../src/http/admin-token.js';
import { SIGN_IN_LIMITS } from '../../src/http/admin/auth.js';
import { ADMIN, AdminClient, adminHarness } from '../admin/helpers.js';
import { buildHarness, CONTOSO, TEST_SECRETS, type TestHarness } from '../helpers/services.js';
import { connectorState, securitySuite } from './common-tests.js';

/** A mapped ticket whose user exists: the right credential issues a pass. */
function buttonWorld(env: Record<string, string> = {}): TestHarness {
  const h = buildHarness({ env });
  h.entra.addUser(CONTOSO, 'jane@contoso.example');
  for (const psa of ['connectwise', 'halo'] as const) {
    h.map(psa, '10');
    h.psa[psa].addTicket({ id: '100', companyId: '10', customFields: { 'New user UPN': 'jane@contoso.example', CFNewUserUPN: 'jane@contoso.example' } });
  }
  return h;
}

const forwarded = (opts: { from?: string; forwardedFor?: string }): Record<string, string> => {
  const value = opts.from ?? opts.forwardedFor;
  return value ? { 'x-forwarded-for': value } : {};
};
const bearer = (credential: string | undefined): Record<string, string> => (credential === undefined ? {} : { authorization: `Bearer ${credential}` });

for (const psa of ['connectwise', 'halo'] as const) {
  securitySuite({
    name: `POST /v1/psa/${psa}/tickets/{id}/tap`,
    world: async (env) => buttonWorld(env),
    call: (h, opts) =>
      Promise.resolve(
        h.app.request(`/v1/psa/${psa}/tickets/100/tap`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...bearer(opts.credential), ...forwarded(opts) },
          body: opts.body ?? '{}',
        }),
      ),
    rightCredential: psa === 'connectwise' ? TEST_SECRETS.cwButton : TEST_SECRETS.haloButton,
    wrongCredential: (i) => `wrong-button-secret-${i}-0123456789abcdef`,
    success: 201,
    failuresPerSource: BUTTON_FAILURE_LIMITS.perSource,
    rightAcceptedWhileSlowed: true,
    bodyLimitBytes: BUTTON_BODY_LIMIT_BYTES,
    bodyOfSize: (bytes) => JSON.stringify({ requestedBy: 'x'.repeat(bytes - '{"requestedBy":""}'.length) }),
    state: connectorState,
  });
}

securitySuite({
  name: 'PUT /v1/mappings/{psa}/{companyId}',
  world: async (env) => buildHarness(env ? { env } : {}),
  call: (h, opts) =>
    Promise.resolve(
      h.app.request('/v1/mappings/connectwise/42', {
        method: 'PUT',
        headers: { 'content-type': 'application/json', ...bearer(opts.credential), ...forwarded(opts) },
        body: opts.body ?? JSON.stringify({ tenantId: CONTOSO, companyName: 'Contoso' }),
      }),
    ),
  rightCredential: TEST_SECRETS.adminToken,
  wrongCredential: (i) => `wrong-admin-token-${i}-0123456789abcdef`,
  success: 201,
  failuresPerSource: ADMIN_TOKEN_LIMITS.perSource,
  rightAcceptedWhileSlowed: true,
  bodyLimitBytes: 16 * 1024,
  bodyOfSize: (bytes) => JSON.stringify({ tenantId: CONTOSO, companyName: 'x'.repeat(bytes - JSON.stringify({ tenantId: CONTOSO, companyName: '' }).length) }),
  state: connectorState,
});

/** The sign-in form, fetched once per world: its CSRF token and the cookie it is bound to. */
const forms = new WeakMap<TestHarness, { csrf: string; cookie: string }>();
async function signInForm(h: TestHarness) {
  let form = forms.get(h);
  if (!form) {
    const client = new AdminClient(h);
    await client.get('/admin/sign-in');
    form = { csrf: client.csrf(), cookie: `tap_admin_signin=${client.cookies.get('tap_admin_signin')}` };
    forms.set(h, form);
  }
  return form;
}

securitySuite({
  name: 'POST /admin/sign-in',
  world: (env) => adminHarness(env ? { env } : {}),
  async call(h, opts) {
    const form = await signInForm(h);
    const fields = new URLSearchParams({ username: ADMIN.username, _csrf: form.csrf });
    if (opts.credential !== undefined) fields.set('password', opts.credential);
    // `body` is a size marker here: the same form, padded to exactly that many bytes.
    const size = opts.body ? Number(opts.body) : 0;
    if (size) fields.set('pad', 'x'.repeat(Math.max(0, size - `${fields.toString()}&pad=`.length)));
    return h.app.request('/admin/sign-in', { method: 'POST', headers: { cookie: form.cookie, ...forwarded(opts) }, body: fields });
  },
  rightCredential: ADMIN.password,
  wrongCredential: (i) => `wrong password ${i}`,
  success: 303,
  failuresPerSource: SIGN_IN_LIMITS.perAccountAndSource,
  rightAcceptedWhileSlowed: false,
  bodyLimitBytes: 16 * 1024,
  bodyOfSize: (bytes) => String(bytes),
  state: connectorState,
});
