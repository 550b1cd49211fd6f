/**
 * temporal-dev.yaml: the settings of the local Temporal dev server, parsed and checked once.
 * A broken file refuses to start the stack with the field that is wrong.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { parseConfig } from './parse-config';

export const projectRoot = path.resolve(__dirname, '..');

const searchAttributeType = z.enum(['Text', 'Keyword', 'Int', 'Double', 'Bool', 'Datetime', 'KeywordList']);
const port = z.number().int().min(1).max(65535);

const devConfigSchema = z.strictObject({
  cli: z.strictObject({ pypiPackage: z.string().min(1), version: z.string().regex(/^\d+\.\d+\.\d+$/) }),
  namespace: z.string().min(1),
  server: z.strictObject({
    ip: z.string().min(1),
    grpcPort: port,
    uiPort: port,
    metricsPort: port,
    dbFilename: z.string().min(1),
    sqlitePragmas: z.record(z.string(), z.string()).default({}),
    logLevel: z.enum(['debug', 'info', 'warn', 'error', 'never']),
    logFormat: z.enum(['text', 'json']),
  }),
  searchAttributes: z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/), searchAttributeType),
  dynamicConfig: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
});

export type DevConfig = z.infer<typeof devConfigSchema>;
export type SearchAttributeTypeName = z.infer<typeof searchAttributeType>;

/** Reads and validates temporal-dev.yaml (or another file, for tests). */
export function loadDevConfig(file = path.join(projectRoot, 'temporal-dev.yaml')): DevConfig {
  return parseConfig(devConfigSchema, parse(readFileSync(file, 'utf8')), file);
}

/** The `temporal server start-dev` arguments for these settings, with ports given by the caller. */
export function startDevArgs(
  cfg: DevConfig,
  opts: { grpcPort: number; uiPort: number | null; metricsPort: number; dbFile: string },
): string[] {
  const args = [
    'server',
    'start-dev',
    '--ip',
    cfg.server.ip,
    '--port',
    String(opts.grpcPort),
    '--metrics-port',
    String(opts.metricsPort),
    '--namespace',
    cfg.namespace,
    '--db-filename',
    opts.dbFile,
    '--log-level',
    cfg.server.logLevel,
    '--log-format',
    cfg.server.logFormat,
  ];
  args.push(...(opts.uiPort === null ? ['--headless'] : ['--ui-port', String(opts.uiPort)]));
  for (const [k, v] of Object.entries(cfg.server.sqlitePragmas)) args.push('--sqlite-pragma', `${k}=${v}`);
  for (const [k, v] of Object.entries(cfg.searchAttributes)) args.push('--search-attribute', `${k}=${v}`);
  for (const [k, v] of Object.entries(cfg.dynamicConfig))
    args.push('--dynamic-config-value', `${k}=${JSON.stringify(v)}`);
  return args;
}
