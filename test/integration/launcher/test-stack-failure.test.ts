/**
 * A test run whose stack cannot start fails with the reason, soon, and leaves no process behind:
 * here the Temporal dev server starts and the database does not (DATABASE_URL names a port where
 * nothing listens), so the harness must stop the server it had started.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { projectRoot } from '../../../platform/dev-config';
import { freePort, waitFor } from '../../../platform/net';

/** The processes whose command line mentions `text`. */
function processesMentioning(text: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmdline.includes(text)) found.push(`${entry}: ${cmdline}`);
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}

describe('a test stack that cannot start', function () {
  this.timeout(300_000);

  it('fails the run with the reason and stops the Temporal server it had started', async () => {
    // The harness makes its temporary folder under TMPDIR: anything it starts names this folder.
    const own = mkdtempSync(path.join(tmpdir(), 'oo-harness-failure-'));
    const output: string[] = [];
    try {
      const run = spawn(
        process.execPath,
        [
          path.join(projectRoot, 'node_modules/mocha/bin/mocha.js'),
          'test/integration/foundation/stack.test.ts',
        ],
        {
          cwd: projectRoot,
          env: {
            ...process.env,
            TMPDIR: own,
            DATABASE_URL: `postgres://nobody@127.0.0.1:${await freePort()}/postgres`,
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      for (const stream of [run.stdout, run.stderr]) stream.on('data', (b: Buffer) => output.push(String(b)));
      const code = await new Promise<number | null>((resolve) => run.once('exit', resolve));
      const said = output.join('');
      assert.notEqual(code, 0, said);
      assert.match(said, /ECONNREFUSED/, 'the reason is shown');
      await waitFor(
        'no process of the failed run to be left',
        async () => processesMentioning(own).length === 0,
        10_000,
        200,
      ).catch(() => {
        throw new Error(`left behind:\n${processesMentioning(own).join('\n')}`);
      });
    } finally {
      for (const line of processesMentioning(own)) process.kill(Number(line.split(':')[0]), 'SIGKILL');
      rmSync(own, { recursive: true, force: true });
    }
  });
});
