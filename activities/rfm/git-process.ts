/**
 * RFM's git work in a small process of its own (`git-process-main.ts`), driven over IPC.
 *
 * Every git command is a process spawned by the one that asks, and Node's spawn forks the asking
 * process whole: from a worker of about 450 MiB, each spawn held the worker's main thread for
 * about 20 ms (about 1.4 ms from a process of 50 MiB; measured with 100 `git --version`). A
 * commit takes five or six commands and a read two or three, so a storm's commits kept the
 * worker's main thread busy, and with it every workflow task the worker hands to its workflows
 * (docs/waits.md, "Git apart"). The child holds the real `ResourceRepositories`; this side keeps
 * its interface, so the tasks do not know the difference.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { RfmConfig } from './config';
import {
  GitNotFoundError,
  GitUnavailableError,
  ResourceRepositories,
  type ChangeResult,
} from './repositories';

/** What the RFM tasks (and the planner) use of the repositories. */
export type Repositories = Pick<
  ResourceRepositories,
  'change' | 'read' | 'close' | 'urlOf' | 'publicUrlOf' | 'branch'
>;

/** A call to the child: `init` first (the configuration, credentials included: never in argv). */
export type GitCall =
  | { id: number; method: 'init'; args: [RfmConfig] }
  | { id: number; method: 'change'; args: Parameters<ResourceRepositories['change']> }
  | { id: number; method: 'read'; args: Parameters<ResourceRepositories['read']> }
  | { id: number; method: 'close'; args: [] };

/** The child's answer to the call of the same id. */
export type GitAnswer =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: { kind: 'not-found' | 'unavailable' | 'other'; message: string } };

const childScript = path.join(__dirname, 'git-process-main.ts');

export class GitProcess implements Repositories {
  private child?: ChildProcess;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private nextId = 1;
  /** The URLs and the branch come from the configuration alone: no git needed. */
  private readonly local: ResourceRepositories;

  constructor(private readonly config: RfmConfig) {
    this.local = new ResourceRepositories(config);
  }

  /** The git process's pid while it runs (for operators and tests). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  get branch(): string {
    return this.local.branch;
  }

  urlOf(resourceType: string): string {
    return this.local.urlOf(resourceType);
  }

  publicUrlOf(resourceType: string): string {
    return this.local.publicUrlOf(resourceType);
  }

  change(...args: Parameters<ResourceRepositories['change']>): Promise<ChangeResult> {
    return this.call({ id: this.nextId++, method: 'change', args }) as Promise<ChangeResult>;
  }

  read(...args: Parameters<ResourceRepositories['read']>): ReturnType<ResourceRepositories['read']> {
    return this.call({ id: this.nextId++, method: 'read', args }) as ReturnType<ResourceRepositories['read']>;
  }

  /** Lets the child remove its working clones, then ends it. */
  async close(): Promise<void> {
    const child = this.child;
    if (!child) return;
    await this.call({ id: this.nextId++, method: 'close', args: [] }).catch(() => undefined);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    if (child.connected) child.disconnect();
    await exited;
  }

  private call(call: GitCall): Promise<unknown> {
    const child = this.child ?? this.start();
    return new Promise((resolve, reject) => {
      this.pending.set(call.id, { resolve, reject });
      // The channel keeps this process alive only while an answer is awaited.
      child.channel?.ref();
      child.send(call, (err) => {
        if (err)
          this.settle({ id: call.id, ok: false, error: { kind: 'unavailable', message: err.message } });
      });
    });
  }

  private start(): ChildProcess {
    const child = fork(childScript, [], {
      // tsx from this project, whatever the folder or the loader of the process that asks.
      execArgv: ['--import', pathToFileURL(require.resolve('tsx')).href],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child = child;
    child.on('message', (answer: GitAnswer) => this.settle(answer));
    const gone = (reason: string) => {
      if (this.child === child) this.child = undefined;
      for (const id of [...this.pending.keys()])
        this.settle({ id, ok: false, error: { kind: 'unavailable', message: reason } });
    };
    child.once('exit', (code, signal) => gone(`the git process ended (${signal ?? `exit code ${code}`})`));
    // Not started (EAGAIN, say), or its channel broke: the calls fail and are retried on a new one.
    child.on('error', (err) => {
      gone(`the git process failed: ${err.message}`);
      child.kill();
    });
    child.unref();
    child.send({
      id: 0,
      method: 'init',
      args: [{ ...this.config, workDir: path.resolve(this.config.workDir) }],
    });
    return child;
  }

  private settle(answer: GitAnswer): void {
    const waiting = this.pending.get(answer.id);
    if (!waiting) return;
    this.pending.delete(answer.id);
    if (this.pending.size === 0) this.child?.channel?.unref();
    if (answer.ok) waiting.resolve(answer.value);
    else waiting.reject(errorOf(answer.error));
  }
}

function errorOf(error: { kind: string; message: string }): Error {
  if (error.kind === 'not-found') return new GitNotFoundError(error.message);
  if (error.kind === 'unavailable') return new GitUnavailableError(error.message);
  return new Error(error.message);
}
