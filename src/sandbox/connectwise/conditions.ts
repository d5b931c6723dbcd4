/**
 * The subset of ConnectWise's `conditions` grammar the sandbox understands (reference/connectwise.md): strings in double
 * quotes, bare integers, booleans True/False, datetimes in square brackets, `null`, references as paths (`board/name`),
 * operators `= != < <= > >= contains like in` (and `not` before contains/like/in), `AND`/`OR`, parentheses.
 * Values must have the field's type — a datetime compared with a quoted string is refused, as a real server would
 * not read it as a date. Anything else is a ConditionsError, answered with a 400.
 */

export type FieldType = 'string' | 'number' | 'boolean' | 'datetime';
/** Field name as written in conditions → its type and where it lives in the JSON record (defaults to the name). */
export type FieldSchema = Record<string, { type: FieldType; path?: string }>;

type Value =
  | { type: 'string'; v: string }
  | { type: 'number'; v: number }
  | { type: 'boolean'; v: boolean }
  | { type: 'datetime'; v: number }
  | { type: 'null' };
type Op = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'contains' | 'like' | 'in';
type Node =
  | { kind: 'cmp'; path: string; type: FieldType; op: Op; negate: boolean; values: Value[] }
  | { kind: 'and' | 'or'; left: Node; right: Node };

export class ConditionsError extends Error {}

type Token = { t: 'op' | 'word' | 'string' | 'number' | 'datetime' | '(' | ')' | ','; v: string; at: number };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/.test(ch)) {
      i += 1;
    } else if (ch === '(' || ch === ')' || ch === ',') {
      tokens.push({ t: ch, v: ch, at: i });
      i += 1;
    } else if (ch === '"') {
      let j = i + 1;
      let s = '';
      while (j < text.length && text[j] !== '"') {
        if (text[j] === '\\' && j + 1 < text.length) j += 1;
        s += text[j];
        j += 1;
      }
      if (j >= text.length) throw new ConditionsError(`Unterminated string starting at position ${i}.`);
      tokens.push({ t: 'string', v: s, at: i });
      i = j + 1;
    } else if (ch === '[') {
      const end = text.indexOf(']', i);
      if (end < 0) throw new ConditionsError(`Unterminated datetime starting at position ${i}.`);
      tokens.push({ t: 'datetime', v: text.slice(i + 1, end), at: i });
      i = end + 1;
    } else if (/[<>=!]/.test(ch)) {
      const two = text.slice(i, i + 2);
      const op = ['<=', '>=', '!=', '<>'].includes(two) ? two : ch;
      if (op === '!') throw new ConditionsError(`Unexpected "!" at position ${i}.`);
      tokens.push({ t: 'op', v: op === '<>' ? '!=' : op, at: i });
      i += op.length;
    } else if (/[-\d]/.test(ch)) {
      const m = /^-?\d+(\.\d+)?/.exec(text.slice(i));
      if (!m) throw new ConditionsError(`Unexpected "${ch}" at position ${i}.`);
      tokens.push({ t: 'number', v: m[0], at: i });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(ch)) {
      const m = /^[A-Za-z_][\w]*(\/[A-Za-z_][\w]*)*/.exec(text.slice(i))!;
      tokens.push({ t: 'word', v: m[0], at: i });
      i += m[0].length;
    } else {
      throw new ConditionsError(`Unexpected "${ch}" at position ${i}.`);
    }
  }
  return tokens;
}

/** Parses `conditions` for a resource whose fields are described by `schema`; returns a predicate over records. */
export function parseConditions(text: string, schema: FieldSchema): (record: unknown) => boolean {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = () => tokens[pos];
  const isWord = (w: string) => peek()?.t === 'word' && peek()!.v.toLowerCase() === w;
  const fail = (what: string): never => {
    const tok = peek();
    throw new ConditionsError(tok ? `Expected ${what} at position ${tok.at}, found "${tok.v}".` : `Expected ${what} at end of conditions.`);
  };

  const expr = (): Node => {
    let left = conjunction();
    while (isWord('or')) {
      pos += 1;
      left = { kind: 'or', left, right: conjunction() };
    }
    return left;
  };
  const conjunction = (): Node => {
    let left = term();
    while (isWord('and')) {
      pos += 1;
      left = { kind: 'and', left, right: term() };
    }
    return left;
  };
  const term = (): Node => {
    if (peek()?.t === '(') {
      pos += 1;
      const inner = expr();
      if (peek()?.t !== ')') fail('")"');
      pos += 1;
      return inner;
    }
    const fieldTok = peek();
    if (fieldTok?.t !== 'word') return fail('a field name');
    pos += 1;
    const field = Object.entries(schema).find(([name]) => name.toLowerCase() === fieldTok.v.toLowerCase());
    if (!field) throw new ConditionsError(`Unknown field "${fieldTok.v}" in conditions.`);
    const [name, def] = field;
    let negate = false;
    if (isWord('not')) {
      negate = true;
      pos += 1;
    }
    const opTok = peek();
    let op: Op;
    if (opTok?.t === 'op' && !negate) op = opTok.v as Op;
    else if (opTok?.t === 'word' && ['contains', 'like', 'in'].includes(opTok.v.toLowerCase())) op = opTok.v.toLowerCase() as Op;
    else return fail('an operator');
    pos += 1;
    const values: Value[] = [];
    if (op === 'in') {
      if (peek()?.t !== '(') fail('"(" after in');
      pos += 1;
      values.push(value(name, def.type));
      while (peek()?.t === ',') {
        pos += 1;
        values.push(value(name, def.type));
      }
      if (peek()?.t !== ')') fail('")"');
      pos += 1;
    } else {
      values.push(value(name, def.type));
    }
    if ((op === 'contains' || op === 'like') && def.type !== 'string') {
      throw new ConditionsError(`Operator ${op} cannot be used with ${name}.`);
    }
    return { kind: 'cmp', path: def.path ?? name, type: def.type, op, negate, values };
  };
  const value = (field: string, type: FieldType): Value => {
    const tok = peek();
    if (!tok) return fail('a value');
    pos += 1;
    const mismatch = () => new ConditionsError(`The value ${tok.t === 'string' ? `"${tok.v}"` : tok.v} is not valid for ${field} (${type}).`);
    if (tok.t === 'word' && tok.v.toLowerCase() === 'null') return { type: 'null' };
    switch (type) {
      case 'string':
        if (tok.t !== 'string') throw mismatch();
        return { type: 'string', v: tok.v };
      case 'number':
        if (tok.t !== 'number') throw mismatch();
        return { type: 'number', v: Number(tok.v) };
      case 'boolean':
        if (tok.t !== 'word' || !['true', 'false'].includes(tok.v.toLowerCase())) throw mismatch();
        return { type: 'boolean', v: tok.v.toLowerCase() === 'true' };
      case 'datetime': {
        const ms = Date.parse(tok.v);
        if (tok.t !== 'datetime' || Number.isNaN(ms)) throw mismatch();
        return { type: 'datetime', v: ms };
      }
    }
  };

  if (tokens.length === 0) throw new ConditionsError('Conditions are empty.');
  const tree = expr();
  if (pos < tokens.length) fail('AND, OR or the end of conditions');
  return (record) => evaluate(tree, record);
}

export function readPath(record: unknown, path: string): unknown {
  let cur: unknown = record;
  for (const part of path.split('/')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function evaluate(node: Node, record: unknown): boolean {
  if (node.kind !== 'cmp') {
    return node.kind === 'and'
      ? evaluate(node.left, record) && evaluate(node.right, record)
      : evaluate(node.left, record) || evaluate(node.right, record);
  }
  const actual = readPath(record, node.path);
  const result = node.values.some((v) => compare(node.op, actual, v));
  return node.negate ? !result : result;
}

function compare(op: Op, actual: unknown, expected: Value): boolean {
  if (expected.type === 'null') {
    const isNull = actual === null || actual === undefined;
    return op === '!=' ? !isNull : op === '=' || op === 'in' ? isNull : false;
  }
  if (actual === null || actual === undefined) return op === '!=';
  let a: string | number | boolean;
  let b: string | number | boolean;
  if (expected.type === 'datetime') {
    a = Date.parse(String(actual));
    b = expected.v;
  } else if (expected.type === 'string') {
    // ConnectWise compares text case-insensitively (SQL Server's default collation).
    a = String(actual).toLowerCase();
    b = expected.v.toLowerCase();
    if (op === 'contains') return a.includes(b);
    if (op === 'like') return likeToRegExp(b).test(a);
  } else {
    a = actual as number | boolean;
    b = expected.v;
  }
  switch (op) {
    case '=':
    case 'in':
      return a === b;
    case '!=':
      return a !== b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    default:
      return false;
  }
}

/** `like` wildcards: `*` or `%` for any run of characters. */
function likeToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/[*%]/g, '.*');
  return new RegExp(`^${escaped}$`, 's');
}
