/** Credentials for one simulator run: random unless the caller supplies them. */
import crypto from 'node:crypto';
import type { SimulatorCredentials } from './types';

const secret = (bytes = 18) => crypto.randomBytes(bytes).toString('base64url');

/** Fresh random credentials for every simulated system, merged over any given ones. */
export function generateCredentials(given: Partial<SimulatorCredentials> = {}): SimulatorCredentials {
  return {
    vcenter: given.vcenter ?? { username: 'administrator@vsphere.local', password: secret() },
    awx: given.awx ?? { username: 'admin', password: secret(), token: secret(24) },
    tfe: given.tfe ?? { token: `${secret(10)}.atlasv1.${secret(40)}` },
    aci: given.aci ?? { username: 'admin', password: secret() },
  };
}

/** Constant-time string comparison, so credential checks leak nothing through timing. */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

/** Decodes an `Authorization: Basic` header into user and password, or undefined. */
export function parseBasicAuth(
  header: string | undefined,
): { username: string; password: string } | undefined {
  const match = /^Basic\s+(.+)$/i.exec(header ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** The token of an `Authorization: Bearer` header, or undefined. */
export function parseBearer(header: string | undefined): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1];
}
