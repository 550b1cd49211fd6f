/**
 * The git side of RFM: one repository per resource type, reached by URL, worked on through a
 * working clone per repository in this worker's cache folder. A change is made on the newest
 * tip (fetch, reset, write, commit, push; the fetch and reset are skipped while this process's
 * own last push is the tip it knows); when another worker pushed first the push is refused as
 * non-fast-forward and the change is rebuilt on the new tip, so concurrent commits all land.
 * Within one process, changes to one repository queue behind each other. Reads take objects
 * from the clone, fetching only for a commit it does not have.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { simpleGit, type SimpleGit } from 'simple-git';
import type { RfmConfig } from './config';

/** A git operation failed for a reason retrying the task may cure (network, locks, a remote down). */
export class GitUnavailableError extends Error {}
/** The commit or the file asked for is not in the repository. */
export class GitNotFoundError extends Error {}

/** What a change wants: file contents by path, or null to remove a path (file or folder). */
export type FileChanges = Record<string, string | null>;

export interface ChangeResult {
  /** The commit that holds the change: new, or the existing one when nothing changed. */
  commit: string | null;
  created: boolean;
}

/** `https://user:token@host/x` → `https://host/x`; other URL shapes pass unchanged. */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username || u.password) {
      u.username = '';
      u.password = '';
    }
    return u.href;
  } catch {
    return url;
  }
}

function scrub(text: string, url: string): string {
  return text
    .split(url)
    .join(displayUrl(url))
    .replace(/\/\/[^/@\s:]+:[^/@\s]+@/g, '//');
}

const REFUSED_PUSH =
  /rejected|non-fast-forward|fetch first|failed to push|cannot lock ref|unable to create .*\.lock|failed to update ref/i;

/** RFM's repositories, as one worker sees them. */
export class ResourceRepositories {
  private readonly queues = new Map<string, Promise<unknown>>();
  /** Repositories whose clone here is at the remote tip as of this process's last push. */
  private readonly current = new Set<string>();
  private workRoot?: Promise<string>;

  constructor(private readonly config: RfmConfig) {}

  /** The branch RFM commits to. */
  get branch(): string {
    return this.config.branch;
  }

  /** The URL of the repository of `resourceType` (credentials included, for git itself only). */
  urlOf(resourceType: string): string {
    return `${this.config.baseUrl}/${resourceType}.git`;
  }

  /** The URL outputs and errors may show. */
  publicUrlOf(resourceType: string): string {
    return displayUrl(this.urlOf(resourceType));
  }

  /**
   * Applies `changes` in one commit on the branch tip and pushes it. When the tip already holds
   * them, nothing is committed and the commit returned is the last one that touched `paths`
   * (for removals: the last one that removed one of `removalProbes`), so a repeated change is a
   * no-op.
   */
  async change(
    resourceType: string,
    changes: FileChanges,
    message: string,
    opts: { removalProbes?: string[] } = {},
  ): Promise<ChangeResult> {
    return this.exclusive(resourceType, async () => {
      const paths = Object.keys(changes);
      let sync = !this.current.has(resourceType);
      for (let attempt = 1; ; attempt++) {
        // The clone this process pushed last is already at the tip unless another worker pushed
        // since; a refused push then falls back to a full sync, so skipping it first is safe.
        const fast = !sync;
        sync = true;
        const { git, dir } = fast ? await this.clone(resourceType) : await this.syncedClone(resourceType);
        for (const [file, content] of Object.entries(changes)) {
          const target = path.join(dir, file);
          if (content === null) await rm(target, { recursive: true, force: true });
          else {
            await mkdir(path.dirname(target), { recursive: true });
            await writeFile(target, content);
          }
        }
        // Only the changed paths: `add -A .` would scan every resource's files on each commit.
        const written = paths.filter((p) => changes[p] !== null);
        const removed = paths.filter((p) => changes[p] === null);
        if (written.length) await git.raw(['add', '--', ...written]);
        if (removed.length)
          await git.raw(['rm', '-r', '-q', '--cached', '--ignore-unmatch', '--', ...removed]);
        const staged = (await git.raw(['diff', '--cached', '--name-only'])).trim();
        if (!staged) {
          // "Already there" is only trusted against the remote tip, not this clone's last push.
          if (fast) continue;
          const probes = opts.removalProbes;
          const commit = probes
            ? await this.lastCommit(git, ['--diff-filter=D', '--', ...probes])
            : await this.lastCommit(git, ['--', ...paths]);
          return { commit, created: false };
        }
        const [subject, ...body] = message.split('\n\n');
        await git.raw(['commit', '-q', '-m', subject!, ...body.flatMap((b) => ['-m', b])]);
        const commit = (await git.revparse(['HEAD'])).trim();
        try {
          await git.raw(['push', '-q', 'origin', `HEAD:refs/heads/${this.config.branch}`]);
          this.current.add(resourceType);
          return { commit, created: true };
        } catch (err) {
          this.current.delete(resourceType);
          const text = (err as Error).message;
          if (!REFUSED_PUSH.test(text) || attempt >= this.config.pushAttempts)
            throw new GitUnavailableError(
              `git push to ${this.publicUrlOf(resourceType)} failed after ${attempt} attempts: ${scrub(text, this.urlOf(resourceType))}`,
            );
          // Someone pushed first: back off a little, then rebuild the change on the new tip.
          await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 50 * Math.min(attempt, 10))));
        }
      }
    });
  }

  /** The contents of `files` at `commit` (default: the branch tip), and the commit resolved. */
  async read(
    resourceType: string,
    files: string[],
    commit?: string,
  ): Promise<{ commit: string; contents: Record<string, string> }> {
    return this.exclusive(resourceType, async () => {
      const url = this.publicUrlOf(resourceType);
      // Reading needs objects, not a working tree: a commit this clone already has (the one this
      // worker just pushed, typically) is read without a fetch; anything else fetches first.
      const { git } = await this.clone(resourceType);
      let resolved = commit === undefined ? '' : await this.resolveCommit(git, commit);
      if (!resolved) {
        const tip = await this.fetch(git);
        if (commit === undefined) {
          if (!tip) throw new GitNotFoundError(`${url} has no commits yet`);
          resolved = tip;
        } else resolved = await this.resolveCommit(git, commit);
        if (!resolved) throw new GitNotFoundError(`commit ${commit} is not in ${url}`);
      }
      const contents: Record<string, string> = {};
      for (const file of files) {
        try {
          contents[file] = await git.show([`${resolved}:${file}`]);
        } catch {
          throw new GitNotFoundError(`${file} is not in ${url} at ${resolved}`);
        }
      }
      return { commit: resolved, contents };
    });
  }

  /** Removes this worker's working clones. */
  async close(): Promise<void> {
    this.current.clear();
    if (this.workRoot) await rm(await this.workRoot, { recursive: true, force: true });
    this.workRoot = undefined;
  }

  private async lastCommit(git: SimpleGit, args: string[]): Promise<string | null> {
    const out = (await git.raw(['log', '-1', '--format=%H', ...args])).trim();
    return out || null;
  }

  private exclusive<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(key) ?? Promise.resolve();
    const guarded = async () => {
      try {
        return await fn();
      } catch (err) {
        // A clone left half-way (a lock file, a failed checkout) would fail every later attempt:
        // the next one starts from a fresh clone instead.
        if (!(err instanceof GitNotFoundError)) await this.discardClone(key);
        throw err;
      }
    };
    const run = previous.then(guarded, guarded);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(key, settled);
    void settled.then(() => {
      if (this.queues.get(key) === settled) this.queues.delete(key);
    });
    return run.catch((err: unknown) => {
      if (err instanceof GitNotFoundError || err instanceof GitUnavailableError) throw err;
      throw new GitUnavailableError(scrub((err as Error).message ?? String(err), this.urlOf(key)));
    });
  }

  private async discardClone(resourceType: string): Promise<void> {
    this.current.delete(resourceType);
    if (!this.workRoot) return;
    const root = await this.workRoot.catch(() => undefined);
    if (root) await rm(path.join(root, resourceType), { recursive: true, force: true });
  }

  private async resolveCommit(git: SimpleGit, commit: string): Promise<string> {
    try {
      return (await git.raw(['rev-parse', '--verify', '-q', `${commit}^{commit}`])).trim();
    } catch {
      return '';
    }
  }

  /** Fetches the remote branches; the remote tip of the RFM branch, or null when unborn. */
  private async fetch(git: SimpleGit): Promise<string | null> {
    const remoteRef = `refs/remotes/origin/${this.config.branch}`;
    await git.raw(['fetch', '-q', '--prune', 'origin', `+refs/heads/*:refs/remotes/origin/*`]);
    return (await git.raw(['for-each-ref', '--format=%(objectname)', remoteRef])).trim() || null;
  }

  /** The working clone of a repository, reset to the remote branch tip (or empty when unborn). */
  private async syncedClone(
    resourceType: string,
  ): Promise<{ git: SimpleGit; dir: string; tip: string | null }> {
    const { git, dir } = await this.clone(resourceType);
    const tip = await this.fetch(git);
    if (tip) {
      await git.raw(['checkout', '-q', '-f', '-B', this.config.branch, tip]);
    } else {
      // An empty repository: start an unborn branch with an empty tree.
      await git.raw(['symbolic-ref', 'HEAD', `refs/heads/${this.config.branch}`]);
      await git.raw(['update-ref', '-d', `refs/heads/${this.config.branch}`]).catch(() => undefined);
      await git.raw(['read-tree', '--empty']);
    }
    await git.raw(['clean', '-q', '-f', '-d', '-x']);
    return { git, dir, tip };
  }

  /** The working clone of a repository as it is (cloned first when missing). */
  private async clone(resourceType: string): Promise<{ git: SimpleGit; dir: string }> {
    const url = this.urlOf(resourceType);
    await this.ensureLocalRepository(url);
    const root = await (this.workRoot ??= mkdir(this.config.workDir, { recursive: true }).then(() =>
      mkdtemp(path.join(this.config.workDir, 'clones-')),
    ));
    const dir = path.join(root, resourceType);
    const git = simpleGit({
      baseDir: existsSync(path.join(dir, '.git')) ? dir : root,
      config: [`user.name=${this.config.author.name}`, `user.email=${this.config.author.email}`],
    });
    if (!existsSync(path.join(dir, '.git'))) {
      this.current.delete(resourceType);
      await git.raw(['clone', '-q', '--no-tags', '--origin', 'origin', url, dir]);
      await git.cwd(dir);
    }
    return { git, dir };
  }

  /** A local repository (file:// URL or absolute path) that does not exist yet is created bare; remote ones must exist. */
  private async ensureLocalRepository(url: string): Promise<void> {
    const dir = url.startsWith('file://') ? fileURLToPath(url) : path.isAbsolute(url) ? url : undefined;
    if (!dir) return;
    if (existsSync(path.join(dir, 'HEAD'))) return;
    await mkdir(dir, { recursive: true });
    // Idempotent: a worker racing us to create it makes `git init` a re-initialisation.
    await simpleGit({ baseDir: dir }).raw(['init', '-q', '--bare', '--initial-branch', this.config.branch]);
  }
}
