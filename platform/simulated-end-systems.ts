/**
 * The end-system configuration that points the workers at the simulators: URL variables (plain
 * environment) and credentials (kept apart, so the launcher can hand them over in a 0600 secrets
 * file instead of the environment). Same variable names as a real deployment's configuration.
 */

export interface SimulatorEndpoints {
  urls: Partial<Record<'vcenter' | 'awx' | 'tfe' | 'aci', string>>;
  smtp: { host: string; port: number };
  credentials: {
    vcenter: { username: string; password: string };
    awx: { token: string };
    tfe: { token: string };
    aci: { username: string; password: string };
  };
}

/** The TFE organization the simulator seeds. */
export const SIMULATED_TFE_ORGANIZATION = 'lab';

export function simulatedEndSystems(s: SimulatorEndpoints): {
  env: Record<string, string>;
  secrets: Record<string, string>;
} {
  const env: Record<string, string> = {
    SMTP_HOST: s.smtp.host,
    SMTP_PORT: String(s.smtp.port),
    SMTP_FROM: 'orchestrator@lab.local',
  };
  const secrets: Record<string, string> = {};
  if (s.urls.awx) {
    env.AWX_URL = s.urls.awx;
    secrets.AWX_TOKEN = s.credentials.awx.token;
  }
  if (s.urls.tfe) {
    env.TFE_URL = s.urls.tfe;
    env.TFE_ORGANIZATION = SIMULATED_TFE_ORGANIZATION;
    secrets.TFE_TOKEN = s.credentials.tfe.token;
  }
  if (s.urls.vcenter) {
    env.VCENTER_URL = s.urls.vcenter;
    env.VCENTER_USERNAME = s.credentials.vcenter.username;
    secrets.VCENTER_PASSWORD = s.credentials.vcenter.password;
  }
  if (s.urls.aci) {
    env.ACI_URL = s.urls.aci;
    env.ACI_USERNAME = s.credentials.aci.username;
    secrets.ACI_PASSWORD = s.credentials.aci.password;
  }
  return { env, secrets };
}
