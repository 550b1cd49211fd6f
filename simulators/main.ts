/**
 * Process entry for the simulators: starts them all from the environment, writes the
 * credentials in use to a 0600 file under the data directory, prints one JSON line with the
 * URLs and that file's path (no secrets), and stops cleanly on SIGINT/SIGTERM.
 *
 * Environment: SIM_DATA_DIR (default .data/simulators), SIM_HOST, SIM_SEED, SIM_DURATIONS (JSON
 * object of ms), SIM_FAULTS (JSON array of rules), SIM_CREDENTIALS_FILE (JSON credentials to
 * reuse), SIM_SYSTEMS (comma list), SIM_PORT_VCENTER / _AWX / _TFE / _ACI / _SMTP / _ADMIN.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { exitWithParent } from '../platform/parent-watch';
import { parseConfig } from '../platform/parse-config';
import type { SimulatorCredentials, SystemName } from './common';
import { writeJsonAtomic } from './world';
import { simulatorSystems, startSimulators } from './index';

const port = z.coerce.number().int().min(0).max(65535).optional();
const env = parseConfig(
  z.object({
    SIM_DATA_DIR: z.string().default(path.resolve('.data/simulators')),
    SIM_HOST: z.string().default('127.0.0.1'),
    SIM_SEED: z.string().optional(),
    SIM_DURATIONS: z
      .string()
      .optional()
      .transform((s) => (s ? z.record(z.string(), z.number().min(0)).parse(JSON.parse(s)) : undefined)),
    SIM_CREDENTIALS_FILE: z.string().optional(),
    SIM_SYSTEMS: z
      .string()
      .optional()
      .transform((s) => (s ? (s.split(',').map((x) => x.trim()) as SystemName[]) : undefined))
      .refine(
        (list) => !list || list.every((s) => simulatorSystems.includes(s)),
        'SIM_SYSTEMS names an unknown system',
      ),
    SIM_PORT_VCENTER: port,
    SIM_PORT_AWX: port,
    SIM_PORT_TFE: port,
    SIM_PORT_ACI: port,
    SIM_PORT_SMTP: port,
    SIM_PORT_ADMIN: port,
  }),
  process.env,
  'simulator configuration',
);

async function main(): Promise<void> {
  const dataDir = path.resolve(env.SIM_DATA_DIR);
  const given = env.SIM_CREDENTIALS_FILE
    ? (JSON.parse(fs.readFileSync(env.SIM_CREDENTIALS_FILE, 'utf8')) as Partial<SimulatorCredentials>)
    : undefined;
  const sims = await startSimulators({
    dataDir,
    host: env.SIM_HOST,
    seed: env.SIM_SEED,
    durations: env.SIM_DURATIONS,
    credentials: given,
    systems: env.SIM_SYSTEMS,
    env: process.env,
    ports: {
      vcenter: env.SIM_PORT_VCENTER,
      awx: env.SIM_PORT_AWX,
      tfe: env.SIM_PORT_TFE,
      aci: env.SIM_PORT_ACI,
      smtp: env.SIM_PORT_SMTP,
      admin: env.SIM_PORT_ADMIN,
    },
  });
  const credentialsFile = path.join(dataDir, 'credentials.json');
  writeJsonAtomic(credentialsFile, sims.credentials);
  fs.chmodSync(credentialsFile, 0o600);

  process.stdout.write(
    `${JSON.stringify({
      event: 'simulators-ready',
      urls: sims.urls,
      smtp: sims.smtp,
      adminUrl: sims.adminUrl,
      dataDir,
      credentialsFile,
    })}\n`,
  );

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    sims.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  exitWithParent(stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`simulators failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
