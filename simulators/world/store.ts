/**
 * Atomic JSON persistence for the lab world: write a temp file, fsync, then rename over the
 * old one, so a crash mid-write leaves either the old or the new world on disk, never half.
 */
import fs from 'node:fs';
import path from 'node:path';

/** Writes `value` as JSON to `file` atomically (temp file + rename in the same directory). */
export function writeJsonAtomic(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
  const fd = fs.openSync(temp, 'w', 0o600);
  try {
    fs.writeSync(fd, JSON.stringify(value, null, 1));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temp, file);
}

/** Reads JSON from `file`, or returns undefined when the file does not exist. */
export function readJsonIfExists<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
