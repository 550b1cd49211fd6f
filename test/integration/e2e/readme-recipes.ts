/**
 * The `temporal …` commands of the README's code blocks, as an operator copies them: the tests
 * run these exact words, substituting only the placeholders for IDs, names and the date.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

const readme = path.join(__dirname, '..', '..', '..', 'README.md');

/** Every `temporal` command in the README's code blocks, continuation lines joined. */
export function readmeCommands(): string[] {
  const text = readFileSync(readme, 'utf8');
  const commands: string[] = [];
  for (const block of text.matchAll(/```[^\n]*\n([\s\S]*?)```/g)) {
    const lines = block[1]!.replace(/\\\n\s*/g, ' ').split('\n');
    for (const line of lines.map((l) => l.trim())) if (line.startsWith('temporal ')) commands.push(line);
  }
  return commands;
}

/** Splits a command line as sh does for words, single and double quotes (no expansions are used). */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "'" || c === '"') {
      const end = line.indexOf(c, i + 1);
      if (end === -1) throw new Error(`unbalanced ${c} in: ${line}`);
      word += line.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** What replaces the README's placeholders. */
export interface Substitutions {
  traceId?: string;
  requestId?: string;
  /** The resource name (`web-01` in the README). */
  name?: string;
  /** The date of "the last day" (`2026-11-24T00:00:00Z` in the README). */
  since?: string;
}

/**
 * The one README command `pick` selects, its placeholders substituted, as argv without the
 * leading `temporal`. Fails when none or several match: an edit that drops a recipe fails here.
 */
export function recipe(pick: (command: string) => boolean, subs: Substitutions): string[] {
  const found = readmeCommands().filter(pick);
  if (found.length !== 1)
    throw new Error(`expected one README command to match, found ${found.length}:\n${found.join('\n')}`);
  let command = found[0]!;
  if (subs.traceId) command = command.replaceAll('trc_…', subs.traceId);
  if (subs.requestId) command = command.replaceAll('req_…', subs.requestId);
  if (subs.name) command = command.replaceAll('web-01', subs.name);
  if (subs.since) command = command.replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/, subs.since);
  if (command.includes('…')) throw new Error(`a placeholder is left in: ${command}`);
  return shellWords(command).slice(1);
}
