import { getTableColumns, is, sql, SQL } from 'drizzle-orm';
import type { SQLiteInsertValue, SQLiteTable } from 'drizzle-orm/sqlite-core';

/**
 * Statements on the press path are built and prepared once, when their store is made, and run with placeholders:
 * drizzle rebuilt the SQL text and SQLite re-prepared it on every call, a sixth of a press's CPU (issue 14). drizzle
 * stays the source of the schema, the SQL and the row types.
 */

/**
 * A placeholder whose value reaches SQLite as given. (Through drizzle's column encoder, which a bare
 * `sql.placeholder` in `values()` or `set()` gets, a null boolean would be stored as 0.)
 */
export function param(name: string): SQL {
  return sql`${sql.placeholder(name)}`;
}

export interface PreparedRowInsert<T extends SQLiteTable> {
  /** For `db.insert(table).values(…)`: every column through a placeholder named after its key. */
  placeholders: SQLiteInsertValue<T>;
  /** The placeholder values of one row: encoded per column (booleans 1/0), null kept null, defaults filled. */
  bind(row: T['$inferInsert']): Record<string, unknown>;
}

/**
 * An INSERT naming every column, whatever a row leaves out (so one prepared statement serves every row). A column left
 * out gets its default as drizzle's own insert gives it: an SQL default (the created_at clock) through `coalesce`, a
 * value default filled in by `bind`.
 */
export function rowInsert<T extends SQLiteTable>(table: T): PreparedRowInsert<T> {
  const columns = Object.entries(getTableColumns(table));
  const placeholders: Record<string, SQL> = {};
  for (const [key, column] of columns) {
    placeholders[key] = is(column.default, SQL) ? sql`coalesce(${sql.placeholder(key)}, ${column.default})` : param(key);
  }
  return {
    placeholders: placeholders as unknown as SQLiteInsertValue<T>,
    bind(row) {
      const values: Record<string, unknown> = {};
      for (const [key, column] of columns) {
        let value = (row as Record<string, unknown>)[key];
        if (value === undefined && column.default !== undefined && !is(column.default, SQL)) value = column.default;
        if (value === undefined && column.defaultFn) value = column.defaultFn();
        values[key] = value === undefined || value === null ? null : column.mapToDriverValue(value);
      }
      return values;
    },
  };
}
