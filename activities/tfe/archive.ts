/**
 * Builds the `.tar.gz` TFE expects as a configuration (a root module's files), so templates can
 * hand over rendered `*.tf.json` text instead of an opaque archive. A plain POSIX ustar writer:
 * regular files only, which is all a root module needs.
 */
import { gzipSync } from 'node:zlib';

const BLOCK = 512;

function header(path: string, size: number, mtime: number): Buffer {
  const h = Buffer.alloc(BLOCK, 0);
  let name = path;
  let prefix = '';
  if (Buffer.byteLength(name) > 100) {
    const cut = path.lastIndexOf('/', 155);
    prefix = path.slice(0, cut);
    name = path.slice(cut + 1);
  }
  if (Buffer.byteLength(name) > 100 || Buffer.byteLength(prefix) > 155)
    throw new Error(`path too long for a tar archive: ${path}`);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100, 8, 'ascii');
  h.write('0000000\0', 108, 8, 'ascii');
  h.write('0000000\0', 116, 8, 'ascii');
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 12, 'ascii');
  h.write(`${Math.floor(mtime).toString(8).padStart(11, '0')}\0`, 136, 12, 'ascii');
  h.write('        ', 148, 8, 'ascii');
  h.write('0', 156, 1, 'ascii');
  h.write('ustar\0', 257, 6, 'ascii');
  h.write('00', 263, 2, 'ascii');
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return h;
}

/** A gzip'd tar of `files` (relative path → text), in path order so the bytes are reproducible. */
export function tarGz(files: Record<string, string>, mtimeSeconds = 0): Buffer {
  const parts: Buffer[] = [];
  for (const path of Object.keys(files).sort()) {
    if (path.startsWith('/') || path.split('/').includes('..'))
      throw new Error(`file path must be relative: ${path}`);
    const data = Buffer.from(files[path]!, 'utf8');
    parts.push(
      header(path, data.length, mtimeSeconds),
      data,
      Buffer.alloc((BLOCK - (data.length % BLOCK)) % BLOCK),
    );
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return gzipSync(Buffer.concat(parts));
}
