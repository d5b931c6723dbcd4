/**
 * A pass spelled out for reading over the phone: "7@?L" → "seven · at sign · question mark · capital L". Letters say
 * their case ("capital L", "small l") because a listener cannot hear it, and the look-alikes (l, I, 1, O, 0) are the
 * reason a pass is misread at all.
 */
const DIGITS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];

const SYMBOLS: Record<string, string> = {
  '!': 'exclamation mark',
  '"': 'double quote',
  '#': 'hash',
  $: 'dollar sign',
  '%': 'percent sign',
  '&': 'ampersand',
  "'": 'apostrophe',
  '(': 'open bracket',
  ')': 'close bracket',
  '*': 'asterisk',
  '+': 'plus',
  ',': 'comma',
  '-': 'dash',
  '.': 'full stop',
  '/': 'slash',
  ':': 'colon',
  ';': 'semicolon',
  '<': 'less-than sign',
  '=': 'equals sign',
  '>': 'greater-than sign',
  '?': 'question mark',
  '@': 'at sign',
  '[': 'open square bracket',
  '\\': 'backslash',
  ']': 'close square bracket',
  '^': 'caret',
  _: 'underscore',
  '`': 'backtick',
  '{': 'open curly bracket',
  '|': 'vertical bar',
  '}': 'close curly bracket',
  '~': 'tilde',
  ' ': 'space',
};

export function spellOut(pass: string): string {
  return [...pass]
    .map((ch) => {
      if (/[0-9]/.test(ch)) return DIGITS[Number(ch)]!;
      if (/[A-Z]/.test(ch)) return `capital ${ch}`;
      if (/[a-z]/.test(ch)) return `small ${ch}`;
      return SYMBOLS[ch] ?? `character U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
    })
    .join(' · ');
}
