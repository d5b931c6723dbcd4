import { beforeEach, describe, expect, it } from 'vitest';
import { buildHarness, CONTOSO, TEST_SECRETS, type TestHarness } from '../helpers/services.js';
import { pressButton } from '../helpers/button.js';
import { json } from '../helpers/http.js';

/**
 * Issue 10: a lifetime outside the tenant policy's range is brought into it and the note says so — never a validation
 * error, even below Graph's own floor of 10 minutes (the tenant's minimum is at least that).
 */

const NOW = new Date('2026-11-26T10:00:00Z');
let h: TestHarness;

const press = (body: unknown) => pressButton(h.app, 'halo', '200', body, { secret: TEST_SECRETS.haloButton });
const created = () => {
  const user = [...h.entra.tenants.get(CONTOSO)!.users.values()][0]!;
  return h.entra.tapsOf(CONTOSO, user.id).at(-1)!.request;
};

beforeEach(() => {
  h = buildHarness({ now: NOW });
  h.entra.addUser(CONTOSO, 'jane@contoso.example', { displayName: 'Jane Doe' });
  h.map('halo', '55', { companyName: 'Contoso Ltd' });
  h.psa.halo.addTicket({ id: '200', companyId: '55', companyName: 'Contoso Ltd', contactEmail: 'jane@contoso.example' });
});

describe('a requested lifetime outside the policy', () => {
  it.each([1, 5, 9, 10, 59])('raises %i minutes to the tenant minimum and says so in the note', async (asked) => {
    const res = await press({ lifetimeMinutes: asked });
    expect(res.status).toBe(201);
    expect(await json(res)).toMatchObject({ lifetimeMinutes: 60 });
    expect(created().lifetimeInMinutes).toBe(60);
    expect(h.psa.halo.notes[0]!.note.text).toMatch(new RegExp(`raised to 60 minutes.*${asked} minutes were asked for`));
  });

  it.each([481, 43_200, 50_000])('lowers %i minutes to the tenant maximum and says so in the note', async (asked) => {
    const res = await press({ lifetimeMinutes: asked });
    expect(res.status).toBe(201);
    expect(await json(res)).toMatchObject({ lifetimeMinutes: 480 });
    expect(h.psa.halo.notes[0]!.note.text).toMatch(new RegExp(`lowered to 480 minutes.*${asked} minutes were asked for`));
  });

  it('still refuses what is not a lifetime at all', async () => {
    for (const lifetimeMinutes of [0, -5, 12.5, '60']) expect((await press({ lifetimeMinutes })).status).toBe(400);
    expect(h.psa.halo.notes).toEqual([]);
  });
});
