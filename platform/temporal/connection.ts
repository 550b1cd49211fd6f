/**
 * Where Temporal is and how to log in to it, read the way Temporal's SDKs and CLI standardise it
 * (`@temporalio/envconfig`): a profile of a TOML file (`TEMPORAL_CONFIG_FILE`, else
 * `~/.config/temporalio/temporal.toml`; `TEMPORAL_PROFILE`, else `default`), overridden by
 * `TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`, `TEMPORAL_API_KEY`, `TEMPORAL_TLS*` and
 * `TEMPORAL_GRPC_META_*`. Temporal Cloud works with an API key (TLS follows), a self-hosted cluster
 * with mTLS client certificates. The API, the workers, the launcher, the bench and the tests all
 * connect through this file; nothing set means the local dev server on 127.0.0.1:7233.
 */
import { existsSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { loadClientConfigProfile, toClientOptions, type ClientConfigProfile } from '@temporalio/envconfig';
import type { PayloadCodec } from '@temporalio/common';
import { NativeConnection } from '@temporalio/worker';
import { payloadDataConverter, type EncryptionKey } from '../payload-codec';

/** The dev server's address and namespace, used when nothing names another. */
export const DEFAULT_TEMPORAL_ADDRESS = '127.0.0.1:7233';
export const DEFAULT_TEMPORAL_NAMESPACE = 'default';

type ConnectionOptions = ReturnType<typeof toClientOptions>['connectionOptions'];

export interface TemporalConfig {
  address: string;
  namespace: string;
  /** Whether the environment or a profile named the address (false: the dev server's default). */
  configured: boolean;
  /** What a log line may say about the connection: no key, no certificate. */
  summary: {
    address: string;
    namespace: string;
    profile: string | null;
    file: string | null;
    tls: 'off' | 'on' | 'mutual';
    apiKey: boolean;
  };
  /** The options Connection.connect and NativeConnection.connect take (the key and certificates included). */
  connection: ConnectionOptions & { address: string };
}

/**
 * Reads the Temporal connection from `env` (default: this process's) and the profile file it
 * names. `file: false` ignores profile files (a connection to a server this process started).
 * A bad file, a missing profile or certificate, or a TOML key the SDK does not know refuses with
 * the reason, naming the variable or file.
 */
export function loadTemporalConfig(
  env: NodeJS.ProcessEnv = process.env,
  opts: { file?: boolean } = {},
): TemporalConfig {
  const vars = Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
  const file = vars.TEMPORAL_CONFIG_FILE;
  if (opts.file !== false && file !== undefined && !existsSync(file))
    throw new Error(`invalid Temporal configuration:\n  TEMPORAL_CONFIG_FILE: no file ${file}`);
  let profile: ClientConfigProfile;
  try {
    profile = loadClientConfigProfile({
      overrideEnvVars: vars,
      configFileStrict: true,
      ...(opts.file === false ? { disableFile: true } : {}),
    });
  } catch (err) {
    const where = file ? `TEMPORAL_CONFIG_FILE ${file}` : 'the Temporal profile';
    const which = vars.TEMPORAL_PROFILE ? ` (TEMPORAL_PROFILE ${vars.TEMPORAL_PROFILE})` : '';
    throw new Error(`invalid Temporal configuration:\n  ${where}${which}: ${(err as Error).message}`);
  }
  const address = profile.address ?? DEFAULT_TEMPORAL_ADDRESS;
  const namespace = profile.namespace ?? DEFAULT_TEMPORAL_NAMESPACE;
  let options: ConnectionOptions;
  try {
    options = toClientOptions({ ...profile, address }).connectionOptions;
  } catch (err) {
    // A certificate or key file that cannot be read: named by its path, never its content.
    throw new Error(`invalid Temporal configuration:\n  TLS: ${(err as Error).message}`);
  }
  const tls = options.tls;
  return {
    address,
    namespace,
    configured: profile.address !== undefined,
    summary: {
      address,
      namespace,
      profile:
        opts.file === false ? null : (vars.TEMPORAL_PROFILE ?? (file || profile.address ? 'default' : null)),
      file: opts.file === false ? null : (file ?? null),
      tls: !tls ? 'off' : typeof tls === 'object' && tls.clientCertPair ? 'mutual' : 'on',
      apiKey: options.apiKey !== undefined,
    },
    connection: { ...options, address },
  };
}

/** The configuration of a server at `address` this process started or was handed (no profile file). */
export function temporalAt(address: string, namespace = DEFAULT_TEMPORAL_NAMESPACE): TemporalConfig {
  return loadTemporalConfig({ TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: namespace }, { file: false });
}

/** A client of the configured namespace, and its connection (closed by the caller). */
export async function connectTemporalClient(
  config: TemporalConfig,
  opts: { connectTimeoutMs?: number; encryptionKeys?: readonly EncryptionKey[] } = {},
): Promise<{ connection: Connection; client: Client; codec?: PayloadCodec }> {
  const connection = await Connection.connect({
    ...config.connection,
    ...(opts.connectTimeoutMs ? { connectTimeout: opts.connectTimeoutMs } : {}),
  });
  // PAYLOAD_ENCRYPTION_KEYS set (or keys given): payloads encrypted, as the workers write them.
  const dataConverter = payloadDataConverter(opts.encryptionKeys);
  const client = new Client({
    connection,
    namespace: config.namespace,
    ...(dataConverter ? { dataConverter } : {}),
  });
  return { connection, client, ...(dataConverter ? { codec: dataConverter.payloadCodecs[0] } : {}) };
}

/** The workers' connection (the SDK's native one). */
export function connectTemporalWorker(config: TemporalConfig): Promise<NativeConnection> {
  return NativeConnection.connect(config.connection);
}
