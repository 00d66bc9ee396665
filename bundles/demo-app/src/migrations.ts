/** Something that runs SQL: the PgClient, or a fake in unit tests. */
export interface Sql {
  query<R = Record<string, unknown>>(sql: string, params?: (string | number | boolean | null)[]): Promise<{ rows: R[]; command: string }>;
}

/** Ordered schema changes. Never edit an applied one; append a new version instead. */
export const MIGRATIONS: { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'patients and admins',
    sql: `
      CREATE TABLE patients (
        id          serial PRIMARY KEY,
        mrn         text NOT NULL UNIQUE,
        full_name   text NOT NULL,
        ward        text NOT NULL,
        bed         text NOT NULL,
        admitted_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE admins (
        id            serial PRIMARY KEY,
        email         text NOT NULL UNIQUE,
        password_hash text NOT NULL,
        created_at    timestamptz NOT NULL DEFAULT now(),
        updated_at    timestamptz NOT NULL DEFAULT now()
      );`,
  },
  {
    version: 2,
    name: 'demo patients',
    sql: `
      INSERT INTO patients (mrn, full_name, ward, bed) VALUES
        ('MRN-100231', 'Ada Lovelace', 'Cardiology', 'C-12'),
        ('MRN-100232', 'Alan Turing', 'Neurology', 'N-03'),
        ('MRN-100233', 'Grace Hopper', 'Orthopaedics', 'O-07'),
        ('MRN-100234', 'Edsger Dijkstra', 'General Medicine', 'G-21'),
        ('MRN-100235', 'Barbara Liskov', 'Paediatrics', 'P-02')
      ON CONFLICT (mrn) DO NOTHING;`,
  },
];

/** An arbitrary constant: two migrators started at once wait for each other instead of racing. */
const LOCK_ID = 424242;

/**
 * Applies the migrations not yet recorded in schema_migrations, each in its own transaction,
 * under an advisory lock. Running it again is a no-op. Returns the versions applied now.
 */
export async function migrate(db: Sql, log: (line: string) => void = () => {}): Promise<number[]> {
  await db.query('SELECT pg_advisory_lock($1)', [LOCK_ID]);
  try {
    await db.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    integer PRIMARY KEY,
      name       text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const done = new Set((await db.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => Number(r.version)));
    const applied: number[] = [];
    for (const m of [...MIGRATIONS].sort((a, b) => a.version - b.version)) {
      if (done.has(m.version)) continue;
      await db.query('BEGIN');
      try {
        await db.query(m.sql);
        await db.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
        await db.query('COMMIT');
      } catch (e) {
        await db.query('ROLLBACK').catch(() => {});
        throw e;
      }
      log(`applied migration ${m.version}: ${m.name}`);
      applied.push(m.version);
    }
    if (applied.length === 0) log('database schema is up to date');
    return applied;
  } finally {
    await db.query('SELECT pg_advisory_unlock($1)', [LOCK_ID]);
  }
}

/** Creates the admin, or replaces the password of an existing one. Returns which happened. */
export async function upsertAdmin(db: Sql, email: string, passwordHash: string): Promise<'created' | 'updated'> {
  const r = await db.query<{ inserted: boolean }>(
    `INSERT INTO admins (email, password_hash) VALUES ($1, $2)
     ON CONFLICT (email) DO UPDATE SET password_hash = EXCLUDED.password_hash, updated_at = now()
     RETURNING (xmax = 0) AS inserted`,
    [email.toLowerCase(), passwordHash],
  );
  return r.rows[0]?.inserted ? 'created' : 'updated';
}
