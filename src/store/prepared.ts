import type { Compilable, CompiledQuery, Kysely, QueryResult, Transaction } from 'kysely';
import type { Database } from './schema.js';

type Db = Kysely<Database> | Transaction<Database>;

/**
 * A query that Kysely builds and compiles once, then runs with new values each call. Building and
 * compiling a point read cost more than twice what running it did on SQLite (about 8 of 13 us;
 * BENCHMARKS.md, api), and every API request makes several. The SQL is still Kysely's, compiled
 * for the store's own dialect, so SQLite and PostgreSQL keep one query path.
 *
 * `build` receives placeholder arguments: it must use them only as values (never to choose the
 * query's shape), which is what makes one compilation right for every call. A prepared query
 * belongs to one store (one dialect): it compiles on first use with the connection it is given.
 */
export function prepared<Args extends unknown[], Row>(
  build: (db: Db, ...args: Args) => Compilable<Row>,
): (db: Db, ...args: Args) => Promise<QueryResult<Row>> {
  let compiled: { query: CompiledQuery<Row>; slots: number[] } | undefined;
  return async (db, ...args) => {
    if (!compiled) {
      // Distinct placeholders, so each compiled parameter can be traced back to its argument.
      const placeholders = args.map((_, i) => `\u0000openecs-argument-${i}`) as Args;
      const query = build(db, ...placeholders).compile();
      compiled = { query, slots: query.parameters.map((value) => placeholders.indexOf(value as never)) };
    }
    const { query, slots } = compiled;
    const parameters = query.parameters.map((constant, i) => (slots[i]! < 0 ? constant : args[slots[i]!]));
    return db.executeQuery<Row>({ ...query, parameters });
  };
}
