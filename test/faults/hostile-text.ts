/**
 * Ticket text written to hurt a parser: anyone who can file a ticket (web form, e-mail) controls it. Each shape aims at
 * one of the patterns the connector once used (issue 11: 100,000 `<` in a Halo ticket froze the process for 34 s).
 * Used by the hostile-text tests, the fault suite and `npm run bench`.
 */
export interface HostileShape {
  name: string;
  /** Text of about `bytes` characters. */
  make(bytes: number): string;
}

const fill = (unit: string, bytes: number) => unit.repeat(Math.max(1, Math.ceil(bytes / unit.length))).slice(0, bytes);

export const HOSTILE_SHAPES: readonly HostileShape[] = [
  { name: '`<` run', make: (n) => fill('<', n) },
  { name: 'unclosed tags `<a `', make: (n) => fill('<a ', n) },
  { name: 'unclosed `<script>`', make: (n) => fill('<script>', n) },
  { name: '`<br` then spaces', make: (n) => `<br${' '.repeat(n - 4)}x` },
  { name: 'nested quotes in a tag', make: (n) => `<a title="${fill(`'"'`, n - 12)}` },
  { name: 'long attribute value, unclosed', make: (n) => `<a href="${fill('x', n - 10)}` },
  { name: 'deeply nested `<div>`', make: (n) => fill('<div>', n) },
  { name: 'unclosed comment', make: (n) => `<!--${fill('-x', n - 4)}` },
  { name: 'entity-like runs `&aaaa`', make: (n) => fill(`&${'a'.repeat(63)}`, n) },
  { name: 'numeric entity run `&#1111…`', make: (n) => `&#${fill('1', n - 2)}` },
  { name: '"Start date:" repeated with no value', make: (n) => fill('Start date:', n) },
  { name: '", Start date:" repeated', make: (n) => fill(', Start date:', n) },
  { name: 'label then a long whitespace run', make: (n) => `Start date:${' '.repeat(n - 12)}x` },
  { name: 'label then a long run of separators', make: (n) => `UPN: ${fill(' ,;|.', n - 6)}x` },
  { name: 'address-like run without @', make: (n) => `UPN: ${fill('a', n - 5)}` },
  { name: 'address-like run, @ without a dot', make: (n) => `Email: ${fill('a', n / 2)}@${fill('b', n / 2 - 8)}` },
  { name: 'start date then a long run of dots', make: (n) => `Start date: 2026-12-01${fill('.', n - 24)}x` },
  { name: 'a real start date repeated', make: (n) => fill('Start date: 1 December 2026, ', n) },
  { name: 'month names as one value', make: (n) => `Start date: ${fill('December ', n - 12)}` },
  { name: 'separator and dash runs', make: (n) => fill(' - ', n) },
  { name: 'whitespace and `&nbsp;` runs', make: (n) => fill(' \t&nbsp;\u00a0', n) },
  { name: 'newlines only', make: (n) => fill('\n', n) },
  { name: 'many labelled lines', make: (n) => fill('User: someone\nUPN: x@\nStart date: 31/02/2027\n', n) },
];

export const ONE_MEGABYTE = 1024 * 1024;
