/**
 * The local Temporal dev server (`temporal server start-dev`), started from temporal-dev.yaml's
 * settings, and the search-attribute registration that works on any server (a restarted dev
 * server on an existing SQLite file does not register new `--search-attribute` flags by itself).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { type DevConfig, type SearchAttributeTypeName, startDevArgs } from '../dev-config';
import { isListening, waitFor } from '../net';
import { startProcess, type ManagedProcess } from '../processes';
import { connectTemporalClient, temporalAt, type TemporalConfig } from './connection';

const IndexedValueType = temporal.api.enums.v1.IndexedValueType;

const valueTypes: Record<SearchAttributeTypeName, temporal.api.enums.v1.IndexedValueType> = {
  Text: IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  Keyword: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  Int: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  Double: IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  Bool: IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  Datetime: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  KeywordList: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

export interface DevServer {
  readonly address: string;
  readonly uiUrl: string | null;
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

export interface DevServerOptions {
  cli: string;
  config: DevConfig;
  grpcPort: number;
  /** null: headless (the tests). */
  uiPort: number | null;
  metricsPort: number;
  dbFile: string;
  onLine?: (line: string) => void;
  /** A lower CPU priority than the API's (see startProcess). */
  niceness?: number;
}

/** Starts the dev server and resolves once its frontend answers and the search attributes exist. */
export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  mkdirSync(path.dirname(opts.dbFile), { recursive: true });
  const proc = startProcess('temporal', opts.cli, startDevArgs(opts.config, opts), {
    onLine: opts.onLine,
    niceness: opts.niceness,
  });
  const ip = opts.config.server.ip;
  const address = `${ip}:${opts.grpcPort}`;
  try {
    await Promise.race([
      waitFor(`the Temporal dev server on ${address}`, () => isListening(opts.grpcPort, ip), 60_000),
      proc.exited.then((code) => {
        throw new Error(`the Temporal dev server exited during start-up (${code}); see its output above`);
      }),
    ]);
    await ensureSearchAttributes(temporalAt(address, opts.config.namespace), opts.config.searchAttributes);
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return {
    address,
    uiUrl: opts.uiPort === null ? null : `http://${ip}:${opts.uiPort}`,
    process: proc,
    stop: () => proc.stop(15_000),
  };
}

/**
 * Creates the custom search attributes that are missing on the server at `address`; existing ones
 * are left alone, and one that exists with another type is an error naming it.
 */
export async function ensureSearchAttributes(
  config: TemporalConfig,
  wanted: Record<string, SearchAttributeTypeName>,
): Promise<void> {
  const { address, namespace } = config;
  const connection = await connectWithRetry(config);
  try {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
    const missing: Record<string, temporal.api.enums.v1.IndexedValueType> = {};
    for (const [name, type] of Object.entries(wanted)) {
      const existing = customAttributes?.[name];
      if (existing === undefined || existing === null) missing[name] = valueTypes[type];
      else if (existing !== valueTypes[type]) {
        throw new Error(
          `search attribute ${name} exists on ${address} with another type (${IndexedValueType[existing]}), wanted ${type}`,
        );
      }
    }
    if (Object.keys(missing).length > 0) {
      await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
    }
  } finally {
    await connection.close();
  }
}

async function connectWithRetry(config: TemporalConfig): Promise<Connection> {
  let connection: Connection | undefined;
  await waitFor(
    `a gRPC connection to Temporal at ${config.address}`,
    async () => {
      ({ connection } = await connectTemporalClient(config, { connectTimeoutMs: 2_000 }));
      await connection.healthService.check({});
      return true;
    },
    60_000,
    500,
  );
  return connection!;
}
