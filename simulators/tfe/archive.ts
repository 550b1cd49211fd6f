/**
 * Reads the `.tar.gz` of a configuration upload far enough to find the root module's files: a
 * gzip + ustar/GNU tar reader for regular files (with the ustar prefix and GNU long names).
 * An archive it cannot read makes the configuration version `errored`, as TFE's does.
 */
import { gunzipSync } from 'node:zlib';

const BLOCK = 512;

/** Files of an archive, path → content, without a leading `./`. */
export type ArchiveFiles = Record<string, Buffer>;

function field(block: Buffer, offset: number, length: number): string {
  const raw = block.subarray(offset, offset + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end < 0 ? raw.length : end).toString('utf8');
}

function octal(block: Buffer, offset: number, length: number): number {
  const text = field(block, offset, length).trim();
  if (!/^[0-7]*$/.test(text)) throw new Error('corrupt tar header');
  return text === '' ? 0 : parseInt(text, 8);
}

function checksumOk(block: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : (block[i] as number);
  return sum === octal(block, 148, 8);
}

/** Unpacks a gzip'd tar; throws with a reason when it is not one. */
export function readTarGz(archive: Buffer): ArchiveFiles {
  let tar: Buffer;
  try {
    tar = gunzipSync(archive);
  } catch {
    throw new Error('the configuration is not a gzip-compressed archive');
  }
  const files: ArchiveFiles = {};
  let offset = 0;
  let longName: string | undefined;
  while (offset + BLOCK <= tar.length) {
    const header = tar.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) break;
    if (!checksumOk(header))
      throw new Error('the configuration is not a valid tar archive (bad header checksum)');
    const size = octal(header, 124, 12);
    const typeFlag = String.fromCharCode(header[156] as number);
    const prefix = header.subarray(257, 262).toString('ascii') === 'ustar' ? field(header, 345, 155) : '';
    const name = longName ?? (prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100));
    longName = undefined;
    const dataStart = offset + BLOCK;
    const data = tar.subarray(dataStart, dataStart + size);
    if (data.length < size) throw new Error('the configuration archive is truncated');
    if (typeFlag === 'L') {
      longName = field(data, 0, data.length);
    } else if (typeFlag === '0' || typeFlag === '\0' || typeFlag === '7') {
      files[name.replace(/^(\.\/)+/, '')] = Buffer.from(data);
    }
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;
  }
  return files;
}
