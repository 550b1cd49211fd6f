/**
 * Validates every template under templates/ (or the folder given as the first argument) against
 * the JSON Schema and the task catalog, without starting anything. Exits 1 listing every problem.
 */
import { taskCatalog } from '../activities/registry';
import { loadTemplateLibrary, TemplateLibraryError, templatesDir } from '../templates/library';

function main(): number {
  const dir = process.argv[2] ?? templatesDir;
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

process.exitCode = main();
