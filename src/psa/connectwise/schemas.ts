import { z } from 'zod';

/**
 * The parts of ConnectWise responses the adapter depends on (reference/connectwise.md "Ticket fields used here").
 * Lenient on purpose: unknown fields pass through, anything not needed is optional, so a new CW version adding or
 * dropping a field we do not read changes nothing.
 */

const idRef = z.object({ id: z.number().int(), name: z.string().optional() }).passthrough();

export const cwCompanyInfoSchema = z
  .object({ Codebase: z.string().regex(/^[A-Za-z0-9_.-]+\/?$/), CompanyName: z.string().optional() })
  .passthrough();

export const cwCustomFieldSchema = z
  .object({
    id: z.number().int().optional(),
    caption: z.string().optional(),
    type: z.string().optional(),
    // An empty field has no `value`; present values are text, numbers or booleans depending on `type`.
    value: z.union([z.string(), z.number(), z.boolean(), z.null()]).optional(),
  })
  .passthrough();

/** A ticket read with `fields=board,status` (the done-status check): only those two. */
export const cwTicketStatusSchema = z.object({ board: idRef.optional(), status: idRef.optional() }).passthrough();

export const cwTicketSchema = z
  .object({
    id: z.number().int(),
    summary: z.string().optional(),
    board: idRef.optional(),
    status: idRef.optional(),
    type: idRef.optional(),
    company: z
      .object({ id: z.number().int(), identifier: z.string().optional(), name: z.string().optional() })
      .passthrough()
      .optional(),
    contact: z.object({ id: z.number().int().optional(), name: z.string().optional() }).passthrough().nullish(),
    contactName: z.string().optional(),
    contactEmailAddress: z.string().nullish(),
    customFields: z.array(cwCustomFieldSchema).optional(),
    lastUpdated: z.string().optional(),
    _info: z.object({ lastUpdated: z.string().optional() }).passthrough().optional(),
  })
  .passthrough();
export type CwTicket = z.infer<typeof cwTicketSchema>;

export const cwTicketListSchema = z.array(cwTicketSchema);

export const cwNoteListSchema = z.array(
  z
    .object({
      id: z.number().int(),
      text: z.string().nullish(),
      detailDescriptionFlag: z.boolean().optional(),
      dateCreated: z.string().optional(),
    })
    .passthrough(),
);

export const cwCompanyListSchema = z.array(
  z.object({ id: z.number().int(), identifier: z.string().optional(), name: z.string().optional() }).passthrough(),
);

export const cwStatusListSchema = z.array(z.object({ id: z.number().int(), name: z.string().optional() }).passthrough());

/** `GET /system/myMembers/info` (MyMemberInfo): the member the cookies belong to. */
export const cwMyMemberInfoSchema = z.object({ id: z.number().int().optional(), identifier: z.string().min(1) }).passthrough();

/** `{code, message, errors:[{code, message, field}]}`, or `{error, message}` on a 429 (reference "Limits and errors"). */
export const cwErrorSchema = z
  .object({
    code: z.string().optional(),
    message: z.string().optional(),
    errors: z
      .array(z.object({ message: z.string().optional(), field: z.string().optional() }).passthrough())
      .nullish(),
  })
  .passthrough();
