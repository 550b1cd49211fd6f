/**
 * Validates every template under templates/ (or the folder given as an argument) against the
 * JSON Schema and the task catalog, without starting anything. Exits 1 listing every problem.
 * `--write-schema` (`npm run template-schema`) first rewrites templates/template.schema.json from
 * the zod model in common/template-schema.ts.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { taskCatalog } from '../activities/registry';
import { templateJsonSchema } from '../common/template-schema';
import { loadTemplateLibrary, TemplateLibraryError, templatesDir } from '../templates/library';

/** The editors' copy of the template JSON Schema. */
export const schemaFile = path.join(templatesDir, 'template.schema.json');

async function main(args: string[]): Promise<number> {
  if (args.includes('--write-schema')) {
    // Written as prettier would, so `prettier --check` stays quiet.
    const prettier = await import('prettier');
    const options = await prettier.resolveConfig(schemaFile);
    const text = await prettier.format(JSON.stringify(templateJsonSchema), {
      ...options,
      filepath: schemaFile,
    });
    writeFileSync(schemaFile, text);
  }
  const dir = args.find((a) => !a.startsWith('--')) ?? templatesDir;
  try {
    const library = loadTemplateLibrary(dir, taskCatalog);
    console.log(`${library.keys().length} templates valid in ${dir}: ${library.keys().join(', ')}`);
    return 0;
  } catch (err) {
    if (!(err instanceof TemplateLibraryError)) throw err;
    console.error(err.message);
    return 1;
  }
}

if (require.main === module)
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 2;
    },
  );
