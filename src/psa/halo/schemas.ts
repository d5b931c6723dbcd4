import { z } from 'zod';

/**
 * The parts of HaloPSA responses the adapter depends on (reference/halopsa.md). Lenient: unknown fields pass through,
 * and only `id` is required, so Halo adding or renaming a field we do not read changes nothing.
 */

export const haloTokenSchema = z
  .object({
    access_token: z.string().min(1),
    token_type: z.string().optional(),
    expires_in: z.coerce.number().positive().optional(),
  })
  .passthrough();

export const haloCustomFieldSchema = z
  .object({
    id: z.number().optional(),
    name: z.string().nullish(),
    label: z.string().nullish(),
    type: z.union([z.number(), z.string()]).nullish(),
    value: z.unknown().optional(),
    display: z.unknown().optional(),
  })
  .passthrough();
export type HaloCustomField = z.infer<typeof haloCustomFieldSchema>;

export const haloTicketSchema = z
  .object({
    id: z.number().int(),
    summary: z.string().nullish(),
    details: z.string().nullish(),
    client_id: z.number().int().nullish(),
    client_name: z.string().nullish(),
    user_name: z.string().nullish(),
    user_email: z.string().nullish(),
    status_id: z.number().int().nullish(),
    status_name: z.string().nullish(),
    tickettype_id: z.number().int().nullish(),
    tickettype_name: z.string().nullish(),
    lastactiondate: z.string().nullish(),
    dateoccurred: z.string().nullish(),
    customfields: z.array(haloCustomFieldSchema).nullish(),
  })
  .passthrough();
export type HaloTicket = z.infer<typeof haloTicketSchema>;

export const haloTicketListSchema = z.object({ tickets: z.array(haloTicketSchema).default([]) }).passthrough();

export const haloClientListSchema = z
  .object({
    clients: z
      .array(
        z
          .object({ id: z.number().int(), name: z.string().nullish(), inactive: z.union([z.boolean(), z.number()]).nullish() })
          .passthrough(),
      )
      .default([]),
  })
  .passthrough();
