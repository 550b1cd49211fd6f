/**
 * Template files with errors, at load time: the worker calls loadTemplateLibrary on its templates
 * folder before it connects (workers/main.ts) and exits non-zero with the message. Each case is the
 * real templates folder plus one bad file, or with one real file spoilt; the load must refuse with
 * a TemplateLibraryError naming the file (not crash, not hang, not load the rest).
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { taskCatalog } from '../../../activities/registry';
import { loadTemplateLibrary, TemplateLibraryError, templatesDir } from '../../../templates/library';

interface BadTemplateFile {
  name: string;
  /** The file written into the copy of templates/ (relative name and content). */
  file: string;
  content: (real: Record<string, unknown>) => string | Buffer;
  /** What the problem says, as `<JSON pointer> <message>`. */
  message: RegExp;
  /** Why the case is pending: a known failure whose fix lies outside this suite's files. */
  pending?: string;
}

const deep = (levels: number) => `${'['.repeat(levels)}0${']'.repeat(levels)}`;
const withSteps = (real: Record<string, unknown>, steps: unknown[]) =>
  JSON.stringify({ ...real, name: 'spoilt', steps });

const cases: BadTemplateFile[] = [
  { name: 'a file that is not JSON', file: 'x.json', content: () => '{"name": ', message: /JSON/i },
  { name: 'an empty file', file: 'x.json', content: () => '', message: /JSON/i },
  { name: 'a file that is a JSON array', file: 'x.json', content: () => '[]', message: /object/i },
  {
    name: 'a file of 10,000 nested arrays',
    file: 'x.json',
    content: () => deep(10_000),
    message: /object/i,
  },
  {
    name: 'a template with 10,000 nested arrays in an unknown field',
    file: 'x.json',
    content: (real) =>
      JSON.stringify({ ...real, name: 'deep' }).replace('"steps":[', `"nested":${deep(10_000)},"steps":[`),
    message: /nested|additional|unknown/i,
  },
  {
    name: 'a step input of 10,000 nested arrays',
    file: 'x.json',
    content: (real) =>
      withSteps(real, [{ id: 'go', task: 'awx:read-job', input: { job: '@' } }]).replace('"@"', deep(10_000)),
    message: /^\/steps\/0\/input/,
  },
  {
    name: 'a file with a NUL byte',
    file: 'x.json',
    content: (real) => Buffer.concat([Buffer.from(JSON.stringify(real).slice(0, 20)), Buffer.from([0])]),
    message: /JSON/i,
  },
  {
    name: 'a template name with path traversal',
    file: 'x.json',
    content: (real) => JSON.stringify({ ...real, name: '../../etc/passwd' }),
    message: /^\/name must match pattern/,
  },
  {
    name: 'a template name with shell',
    file: 'x.json',
    content: (real) => JSON.stringify({ ...real, name: 'vm-$(reboot)' }),
    message: /^\/name must match pattern/,
  },
  {
    name: 'a step calling an unknown task',
    file: 'x.json',
    content: (real) => withSteps(real, [{ id: 'go', task: 'shell:exec', input: { cmd: 'rm -rf /' } }]),
    message: /unknown task shell:exec/,
  },
  {
    name: 'a step whose id carries a path',
    file: 'x.json',
    content: (real) => withSteps(real, [{ id: '../x', task: 'awx:read-job', input: {} }]),
    message: /id|pattern/i,
  },
  {
    name: 'an expression reaching for the process',
    file: 'x.json',
    content: (real) =>
      withSteps(real, [{ id: 'go', task: 'awx:read-job', input: { job: '${$eval("process.exit(1)")}' } }]),
    message: /\$eval|function|expression/i,
  },
  {
    name: 'an expression reading __proto__',
    file: 'x.json',
    content: (real) =>
      withSteps(real, [{ id: 'go', task: 'awx:read-job', input: { job: '${__proto__.polluted}' } }]),
    message: /unknown|__proto__/i,
  },
  {
    name: 'a step that needs itself',
    file: 'x.json',
    content: (real) => withSteps(real, [{ id: 'go', task: 'awx:read-job', needs: ['go'], input: {} }]),
    message: /cycle|itself|needs/i,
  },
  {
    name: 'a second file with the name and version of a real template',
    file: 'copy.json',
    content: (real) => JSON.stringify(real),
    message: /^\/version awx-run-job-template@1\.0\.0 is also defined in awx-run-job-template\.json/,
  },
];

describe('template files with errors are refused at load time', () => {
  const real = JSON.parse(readFileSync(path.join(templatesDir, 'awx-run-job-template.json'), 'utf8'));
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'oo-bad-templates-'));
    cpSync(templatesDir, dir, { recursive: true, filter: (src) => !src.endsWith('.ts') });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('loads the untouched copy (so each refusal below is the bad file)', () => {
    assert.ok(loadTemplateLibrary(dir, taskCatalog).keys().length >= 6);
  });

  for (const c of cases) {
    (c.pending ? it.skip : it)(
      `refuses ${c.name}, naming the file${c.pending ? ` (pending: ${c.pending})` : ''}`,
      () => {
        writeFileSync(path.join(dir, c.file), c.content(real));
        const started = Date.now();
        let error: unknown;
        try {
          loadTemplateLibrary(dir, taskCatalog);
        } catch (err) {
          error = err;
        }
        assert.ok(Date.now() - started < 5_000, 'the check is quick');
        assert.ok(
          error instanceof TemplateLibraryError,
          `expected a TemplateLibraryError, got ${String(error)}`,
        );
        const mine = error.problems.filter((p) => p.file === c.file);
        if (process.env.TEST_VERBOSE === '1') console.log(error.message);
        assert.ok(mine.length > 0, error.message);
        assert.ok(
          mine.some((p) => c.message.test(`${p.pointer} ${p.message}`)),
          `expected a problem matching ${c.message}: ${error.message}`,
        );
      },
    );
  }
});
