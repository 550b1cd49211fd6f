/**
 * `npm run token -- <command>`: manage API tokens straight in the database, for the first admin
 * token of a fresh install (later ones can be issued through POST /v1/admin/tokens).
 *
 *   npm run token -- issue --subject alice@example.com --role admin [--groups ops,network] [--expires-in-days 90] [--description text]
 *   npm run token -- list
 *   npm run token -- revoke tok_…
 *
 * Uses DATABASE_URL, or the URL of the running `npm start` stack (written to .data/run/database-url).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { issueToken, listTokens, revokeToken } from '../api/auth/tokens';
import { createPool } from '../platform/db/pool';
import { migrate } from '../platform/db/migrate';
import { projectRoot } from '../platform/dev-config';

function databaseUrl(): string {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  const file = path.join(projectRoot, process.env.DATA_DIR ?? '.data', 'run', 'database-url');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  throw new Error('set DATABASE_URL, or start the stack with `npm start` first');
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      subject: { type: 'string' },
      role: { type: 'string' },
      description: { type: 'string' },
      groups: { type: 'string' },
      'expires-in-days': { type: 'string' },
    },
  });
  const [command, arg] = positionals;
  const pool = createPool(databaseUrl(), 1);
  try {
    await migrate(pool);
    if (command === 'issue') {
      const issued = await issueToken(
        pool,
        {
          subject: values.subject ?? '',
          role: values.role as 'admin',
          description: values.description,
          groups: values.groups ? values.groups.split(',').map((g) => g.trim()) : undefined,
          expiresInDays: values['expires-in-days'] ? Number(values['expires-in-days']) : undefined,
        },
        'cli',
      );
      process.stdout.write(
        `${JSON.stringify(issued, null, 2)}\nKeep the token: it is not stored and cannot be shown again.\n`,
      );
    } else if (command === 'list') {
      process.stdout.write(`${JSON.stringify(await listTokens(pool), null, 2)}\n`);
    } else if (command === 'revoke' && arg) {
      if (!(await revokeToken(pool, arg))) throw new Error(`no token ${arg}`);
      process.stdout.write(`revoked ${arg}\n`);
    } else {
      throw new Error(
        'usage: token issue --subject S --role requester|approver|admin | token list | token revoke TOKEN_ID',
      );
    }
  } finally {
    await pool.end();
  }
}

main().catch((err: Error) => {
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
});
