/**
 * `npm run token -- <command>`: manage API tokens straight in the database, for the first admin
 * token of a fresh install (later ones can be issued through POST /v1/admin/tokens). Uses
 * DATABASE_URL, or the URL of the running `npm start` stack (written to .data/run/database-url).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { issueToken, issueTokenSchema, listTokens, revokeToken } from '../api/auth/tokens';
import { createPool } from '../platform/db/pool';
import { migrate } from '../platform/db/migrate';
import { projectRoot } from '../platform/dev-config';

const usage = `Usage: npm run token -- <command>

  issue --subject S --role requester|approver|operator|admin|machine [--groups g1,g2] [--expires-in-days N] [--description TEXT]
      Issues a token and prints it once (only its SHA-256 is stored). --groups names the approval
      groups (e.g. capacity) whose approval steps the token may decide; an admin may decide any.
  list
      Lists the tokens (never the secrets).
  revoke TOKEN_ID
      Revokes a token (tok_…); it is refused from then on.

Examples:
  npm run token -- issue --subject you@example.com --role admin
  npm run token -- issue --subject cap@example.com --role approver --groups capacity

Uses DATABASE_URL, or the database of the running \`npm start\` stack.
`;

/** The command-line option of each field of the token schema. */
const optionNames: Record<string, string> = { expiresInDays: 'expires-in-days' };

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
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, arg] = positionals;
  if (values.help || command === 'help') {
    process.stdout.write(usage);
    return;
  }
  if (!(command === 'issue' || command === 'list' || (command === 'revoke' && arg))) {
    throw new Error(
      `${command ? `unknown command: ${positionals.join(' ')}` : 'no command given'}\n\n${usage}`,
    );
  }
  // Checked before the database is touched, so a mistyped role is told at once.
  const toIssue =
    command === 'issue'
      ? issueTokenSchema.parse({
          subject: values.subject ?? '',
          role: values.role,
          description: values.description,
          groups: values.groups ? values.groups.split(',').map((g) => g.trim()) : undefined,
          expiresInDays: values['expires-in-days'] ? Number(values['expires-in-days']) : undefined,
        })
      : undefined;
  const pool = createPool(databaseUrl(), 1);
  try {
    await migrate(pool);
    if (toIssue) {
      const issued = await issueToken(pool, toIssue, 'cli');
      process.stdout.write(
        `${JSON.stringify(issued, null, 2)}\nKeep the token: it is not stored and cannot be shown again.\n`,
      );
    } else if (command === 'list') {
      process.stdout.write(`${JSON.stringify(await listTokens(pool), null, 2)}\n`);
    } else {
      if (!(await revokeToken(pool, arg!))) throw new Error(`no token ${arg}`);
      process.stdout.write(`revoked ${arg}\n`);
    }
  } finally {
    await pool.end();
  }
}

main().catch((err: Error) => {
  const message =
    err instanceof z.ZodError
      ? err.issues
          .map((i) => `--${optionNames[String(i.path[0])] ?? i.path.join('.')}: ${i.message}`)
          .join('\n')
      : err.message;
  process.stderr.write(`${message}\n`);
  process.exit(1);
});
