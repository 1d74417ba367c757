import type { DatabaseSync } from 'node:sqlite';

/** Row counts of `table` per value of its `status` column; every status in `statuses` is present (0 when none). */
export function countsByStatus<S extends string>(db: DatabaseSync, table: string, statuses: readonly S[]): Record<S, number> {
  const counts = Object.fromEntries(statuses.map((s) => [s, 0])) as Record<S, number>;
  const rows = db.prepare(`SELECT status, COUNT(*) AS n FROM ${table} GROUP BY status`).all() as unknown as { status: S; n: number }[];
  for (const r of rows) counts[r.status] = r.n;
  return counts;
}
