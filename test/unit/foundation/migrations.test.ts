import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readMigrations } from '../../../platform/db/migrate';

describe('migration files', () => {
  it('are numbered without gaps from 1', () => {
    const versions = readMigrations().map((m) => m.version);
    assert.deepEqual(
      versions,
      versions.map((_, i) => i + 1),
    );
  });

  function dirWith(files: Record<string, string>): string {
    const dir = mkdtempSync(path.join(tmpdir(), 'mig-'));
    for (const [name, sql] of Object.entries(files)) writeFileSync(path.join(dir, name), sql);
    return dir;
  }

  it('refuses a malformed file name', () => {
    assert.throws(
      () => readMigrations(dirWith({ 'init.sql': 'select 1' })),
      /must look like 0001_some_name\.sql/,
    );
  });

  it('refuses a version used twice', () => {
    assert.throws(
      () => readMigrations(dirWith({ '0001_a.sql': 'select 1', '0001_b.sql': 'select 2' })),
      /appears twice/,
    );
  });
});
