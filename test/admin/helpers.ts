import { hashPassword } from '../../src/http/admin/passwords.js';
import type { PsaCompany } from '../../src/psa/port.js';
import { buildHarness, CONTOSO, FABRIKAM, type TestHarness } from '../helpers/services.js';

export { CONTOSO, FABRIKAM };
export const ADMIN = { username: 'admin', password: 'correct horse battery staple' };

/** Cheap scrypt parameters: the format and the checks are what the tests guard, not the cost. */
let cachedHash: Promise<string> | undefined;
export const testPasswordHash = () => (cachedHash ??= hashPassword(ADMIN.password, { N: 1024, r: 8, p: 1 }));

export const COMPANIES: PsaCompany[] = [
  { id: '101', name: 'Contoso Ltd', identifier: 'Contoso', emailDomains: ['contoso.example'] },
  { id: '102', name: 'Fabrikam B.V.', identifier: 'Fabrikam' },
  { id: '103', name: 'Northwind Traders', identifier: 'Northwind' },
];

export async function adminHarness(opts: { env?: Record<string, string | undefined>; companies?: PsaCompany[] } = {}): Promise<TestHarness> {
  const h = buildHarness({ env: { ADMIN_USERNAME: ADMIN.username, ADMIN_PASSWORD_HASH: await testPasswordHash(), ...opts.env } });
  h.psa.connectwise.companies = opts.companies ?? COMPANIES;
  return h;
}

/**
 * A tiny browser for `app.request`: keeps cookies, remembers the last page's CSRF token, and sends forms the way a
 * browser does. Tests read as what the admin does, not as header plumbing.
 */
export class AdminClient {
  cookies = new Map<string, string>();
  lastHtml = '';

  constructor(readonly h: TestHarness) {}

  private cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private remember(res: Response) {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const [name, ...rest] = pair!.split('=');
      const value = rest.join('=');
      const expired = attrs.some((a) => /max-age=0/i.test(a.trim())) || value === '';
      if (expired) this.cookies.delete(name!.trim());
      else this.cookies.set(name!.trim(), value);
    }
  }

  async get(path: string, headers: Record<string, string> = {}): Promise<Response> {
    const res = await this.h.app.request(path, { headers: { cookie: this.cookieHeader(), ...headers } });
    this.remember(res);
    if ((res.headers.get('content-type') ?? '').includes('text/html')) this.lastHtml = await res.clone().text();
    return res;
  }

  /** The CSRF token in the last page's forms. */
  csrf(): string {
    const m = /name="_csrf" value="([^"]+)"/.exec(this.lastHtml);
    if (!m) throw new Error('no CSRF token on the last page');
    return m[1]!;
  }

  async post(path: string, form: Record<string, string> | FormData, opts: { csrf?: boolean; headers?: Record<string, string> } = {}): Promise<Response> {
    let body: FormData | URLSearchParams;
    if (form instanceof FormData) {
      body = form;
      if (opts.csrf !== false && !form.has('_csrf')) form.set('_csrf', this.csrf());
    } else {
      body = new URLSearchParams(form);
      if (opts.csrf !== false && !('_csrf' in form)) body.set('_csrf', this.csrf());
    }
    const res = await this.h.app.request(path, { method: 'POST', body, headers: { cookie: this.cookieHeader(), ...opts.headers } });
    this.remember(res);
    if ((res.headers.get('content-type') ?? '').includes('text/html')) this.lastHtml = await res.clone().text();
    return res;
  }

  async signIn(username = ADMIN.username, password = ADMIN.password): Promise<Response> {
    await this.get('/admin/sign-in');
    return this.post('/admin/sign-in', { username, password });
  }

  sessionCookie(): string | undefined {
    return this.cookies.get('tap_admin');
  }
}

export async function signedIn(h: TestHarness): Promise<AdminClient> {
  const client = new AdminClient(h);
  const res = await client.signIn();
  if (res.status !== 303) throw new Error(`sign-in failed with ${res.status}`);
  return client;
}
