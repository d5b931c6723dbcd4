import type { Context } from 'hono';
import type { z } from 'zod';
import { AppError } from '../errors.js';
import { invalidRequest } from './problem.js';

/** Parses a JSON body with a zod schema. Never casts `await c.req.json()`: bad JSON and bad shapes are 400s. */
export async function readJsonBody<S extends z.ZodType>(c: Context, schema: S, raw?: string): Promise<z.infer<S>> {
  const text = raw ?? (await c.req.text());
  let value: unknown = {};
  if (text.trim() !== '') {
    const type = c.req.header('content-type') ?? '';
    if (!/^application\/(.+\+)?json\b/i.test(type)) {
      throw new AppError('INVALID_REQUEST', 'Send the body as JSON with Content-Type: application/json.');
    }
    try {
      value = JSON.parse(text);
    } catch {
      throw new AppError('INVALID_REQUEST', 'The body is not valid JSON.');
    }
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw invalidRequest(parsed.error.issues);
  return parsed.data;
}

export function parseParams<S extends z.ZodType>(schema: S, params: unknown): z.infer<S> {
  const parsed = schema.safeParse(params);
  if (!parsed.success) throw new AppError('NOT_FOUND');
  return parsed.data;
}
