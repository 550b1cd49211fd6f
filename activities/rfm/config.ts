/**
 * Where RFM's git repositories are and who commits, parsed by zod when a worker starts (a bad
 * value refuses to start, naming the variable). Each resource type has its own repository at
 * `<RFM_GIT_BASE_URL>/<type>.git`. The default base is a folder of local bare repositories,
 * created on first use; any git remote works by URL (credentials through the worker's git
 * credential helper or SSH keys, or in the URL: they are scrubbed from every output and error).
 */
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { projectRoot } from '../../platform/dev-config';
import { parseConfig } from '../../platform/parse-config';

const envSchema = z.object({
  RFM_GIT_BASE_URL: z
    .string()
    .min(1)
    .default(pathToFileURL(path.join(projectRoot, '.data', 'git')).href)
    .transform((u) => u.replace(/\/+$/, '')),
  RFM_GIT_BRANCH: z
    .string()
    .regex(/^[A-Za-z0-9._/-]+$/, 'a branch name')
    .default('main'),
  RFM_GIT_AUTHOR_NAME: z.string().min(1).default('Orchestrator RFM'),
  RFM_GIT_AUTHOR_EMAIL: z.string().min(3).default('rfm@orchestrator.local'),
  /** Where this worker keeps its working clones (a cache: removing it loses nothing). */
  RFM_GIT_WORK_DIR: z.string().min(1).default(path.join(tmpdir(), 'oo-rfm')),
  /** How many times a commit is rebuilt on the newest tip when a concurrent push got there first. */
  RFM_GIT_PUSH_ATTEMPTS: z.coerce.number().int().min(1).max(1000).default(30),
});

export interface RfmConfig {
  baseUrl: string;
  branch: string;
  author: { name: string; email: string };
  workDir: string;
  pushAttempts: number;
}

/** Reads the RFM settings from the environment. */
export function loadRfmConfig(env: NodeJS.ProcessEnv = process.env): RfmConfig {
  const e = parseConfig(envSchema, env, 'RFM configuration');
  return {
    baseUrl: e.RFM_GIT_BASE_URL,
    branch: e.RFM_GIT_BRANCH,
    author: { name: e.RFM_GIT_AUTHOR_NAME, email: e.RFM_GIT_AUTHOR_EMAIL },
    workDir: e.RFM_GIT_WORK_DIR,
    pushAttempts: e.RFM_GIT_PUSH_ATTEMPTS,
  };
}
