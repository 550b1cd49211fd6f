/**
 * The workflow bundle, built in a child process. Bundling (webpack) in the worker's own process
 * left about 150 MiB of its heap and code resident for the worker's whole life (V8 does not hand
 * freed pages back; bench/README.md, "Lean workers"); a child that bundles and exits takes that
 * memory with it. The worker then loads the bundle's code as the SDK loads any prebuilt bundle.
 *
 * Run as a script, it is the child: `node --import tsx workers/workflow-bundle.ts <job.json>`.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';

interface BundleJob {
  workflowsPath: string;
  workflowInterceptorModules: string[];
  /** Where the child writes the bundle's code. */
  out: string;
}

const projectRoot = path.resolve(__dirname, '..');

/**
 * Bundles `workflowsPath` (with the interceptor modules) in a child process and returns the
 * code; rejects with the bundler's own message when the workflows do not bundle.
 */
export async function bundleWorkflowsApart(opts: {
  workflowsPath: string;
  workflowInterceptorModules?: string[];
}): Promise<{ code: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'oo-workflow-bundle-'));
  try {
    const job: BundleJob = {
      workflowsPath: opts.workflowsPath,
      workflowInterceptorModules: opts.workflowInterceptorModules ?? [],
      out: path.join(dir, 'bundle.js'),
    };
    const jobFile = path.join(dir, 'job.json');
    writeFileSync(jobFile, JSON.stringify(job));
    try {
      await promisify(execFile)(process.execPath, ['--import', 'tsx', __filename, jobFile], {
        cwd: projectRoot,
        env: process.env,
        maxBuffer: 16 * 1024 * 1024,
      });
    } catch (err) {
      const stderr = String((err as { stderr?: string }).stderr ?? '').trim();
      throw new Error(`the workflows did not bundle: ${stderr || (err as Error).message}`);
    }
    return { code: readFileSync(job.out, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function bundleJob(jobFile: string): Promise<void> {
  const job = JSON.parse(readFileSync(jobFile, 'utf8')) as BundleJob;
  const { code } = await bundleWorkflowCode({
    workflowsPath: job.workflowsPath,
    workflowInterceptorModules: job.workflowInterceptorModules,
    logger: new DefaultLogger('WARN'),
  });
  writeFileSync(job.out, code);
}

if (require.main === module) {
  bundleJob(process.argv[2]!).catch((err: Error) => {
    process.stderr.write(`${err.stack ?? err.message}\n`);
    process.exit(1);
  });
}
