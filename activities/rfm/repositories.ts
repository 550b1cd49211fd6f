/**
 * The git side of RFM: one repository per resource type, reached by URL, worked on through a
 * working clone per repository in this worker's cache folder. A change is made on the newest
 * tip (fetch, reset, write, commit, push; the fetch and reset are skipped while this process's
 * own last push is the tip it knows); when another worker pushed first the push is refused as
 * non-fast-forward and the change is rebuilt on the new tip, so concurrent commits all land.
 * Within one process, changes to one repository queue behind each other, and those that queued
 * together are committed one by one (one commit per change still) and pushed at once. Reads take
 * objects from the clone, fetching only for a commit it does not have.
 */
import { existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
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

/** Runs `git args` in `dir` with `input` on its stdin; rejects with its stderr on failure. */
/**
 * Runs git in `dir` and gives its standard output. The commands that print nothing when they
 * succeed (update-ref, read-tree, add, push -q, fetch -q, an ls-tree of new paths …) run through
 * this rather than simple-git: simple-git's completion waits 50 ms more after any command that
 * printed nothing, four to six times per commit (measured: update-ref and read-tree 55 ms through
 * simple-git, 3 ms spawned directly; rfm:commit-resource spent 200-250 of its 370 ms there).
 */
function runGit(dir: string, args: string[], input?: string, config: string[] = []): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', [...config.flatMap((entry) => ['-c', entry]), ...args], {
      cwd: dir,
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0
        ? resolve(Buffer.concat(out).toString('utf8'))
        : reject(new Error(`git ${args[0]} failed (${code}): ${stderr.trim()}`)),
    );
    if (input !== undefined && child.stdin) {
      // A git that exits before reading its input (a refusal) says why on stderr, not by EPIPE.
      child.stdin.on('error', () => undefined);
      child.stdin.end(input);
    }
  });
}

/** A working clone: simple-git for the commands that print, `run` (runGit) for the silent ones. */
interface Clone {
  git: SimpleGit;
  dir: string;
  run(args: string[], input?: string): Promise<string>;
}

/** `config`: the git config entries (`user.name=…`) every command of the clone runs with. */
function cloneAt(dir: string, git: SimpleGit, config: string[]): Clone {
  return { git, dir, run: (args, input) => runGit(dir, args, input, config) };
}

interface PendingChange {
  changes: FileChanges;
  message: string;
  opts: { removalProbes?: string[] };
  resolve: (result: ChangeResult) => void;
  reject: (err: unknown) => void;
}

/** RFM's repositories, as one worker sees them. */
export class ResourceRepositories {
  private readonly queues = new Map<string, Promise<unknown>>();
  /** Changes waiting for their repository, to be committed together by the next turn. */
  private readonly waiting = new Map<string, PendingChange[]>();
  /** Repositories whose clone here is at the remote tip as of this process's last push. */
  private readonly current = new Set<string>();
  private workRoot?: Promise<string>;

  constructor(private readonly config: RfmConfig) {}

  /** The author of RFM's commits, as git config entries. */
  private get identity(): string[] {
    return [`user.name=${this.config.author.name}`, `user.email=${this.config.author.email}`];
  }

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
    return new Promise<ChangeResult>((resolve, reject) => {
      const change: PendingChange = { changes, message, opts, resolve, reject };
      // Changes that arrive while the repository is busy wait together and land in one push.
      const waiting = this.waiting.get(resourceType);
      if (waiting) {
        waiting.push(change);
        return;
      }
      const batch = [change];
      this.waiting.set(resourceType, batch);
      this.exclusive(resourceType, () => {
        this.waiting.delete(resourceType);
        return this.applyBatch(resourceType, batch);
      }).then(
        (results) => batch.forEach((c, i) => c.resolve(results[i]!)),
        (err: unknown) => batch.forEach((c) => c.reject(err)),
      );
    });
  }

  /**
   * Makes one commit per change of `batch`, in order, then pushes them all at once; rebuilt on
   * the new tip when another worker pushed first.
   */
  private async applyBatch(resourceType: string, batch: PendingChange[]): Promise<ChangeResult[]> {
    let sync = !this.current.has(resourceType);
    for (let attempt = 1; ; attempt++) {
      // The clone this process pushed last is already at the tip unless another worker pushed
      // since; a refused push then falls back to a full sync, so skipping it first is safe.
      const fast = !sync;
      sync = true;
      const clone = fast ? await this.clone(resourceType) : await this.syncedClone(resourceType);
      const { git, dir } = clone;
      let parent = await this.headCommit(clone);
      const imported = fast && parent ? await this.importBatch(clone, parent, batch) : undefined;
      const results: ChangeResult[] = imported ?? [];
      // Otherwise commits are built with plumbing on top of each other (add, write-tree,
      // commit-tree: three processes per change).
      // On an unborn branch the index was just emptied, so write-tree names the empty tree.
      // (Not needed when the batch was imported: one process fewer on the common path.)
      let tree = imported
        ? ''
        : (await git.raw(parent ? ['rev-parse', `${parent}^{tree}`] : ['write-tree'])).trim();
      for (const { changes, message, opts } of imported ? [] : batch) {
        const paths = Object.keys(changes);
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
        if (written.length) await clone.run(['add', '--', ...written]);
        if (removed.length)
          await clone.run(['rm', '-r', '-q', '--cached', '--ignore-unmatch', '--', ...removed]);
        const newTree = (await git.raw(['write-tree'])).trim();
        if (newTree === tree) {
          // "Already there" is only trusted against the remote tip, not this clone's last push.
          if (fast) break;
          const probes = opts.removalProbes;
          const commit = !parent
            ? null
            : probes
              ? await this.lastCommit(clone, [parent, '--diff-filter=D', '--', ...probes])
              : await this.lastCommit(clone, [parent, '--', ...paths]);
          results.push({ commit, created: false });
          continue;
        }
        const [subject, ...body] = message.split('\n\n');
        const args = ['commit-tree', newTree, ...(parent ? ['-p', parent] : []), '-m', subject!];
        parent = (await git.raw([...args, ...body.flatMap((b) => ['-m', b])])).trim();
        tree = newTree;
        results.push({ commit: parent, created: true });
      }
      if (results.length < batch.length) continue;
      if (!results.some((r) => r.created)) return results;
      await clone.run(['update-ref', 'HEAD', results.at(-1)!.commit!]);
      try {
        await clone.run(['push', '-q', 'origin', `HEAD:refs/heads/${this.config.branch}`]);
        this.current.add(resourceType);
        return results;
      } catch (err) {
        this.current.delete(resourceType);
        const text = (err as Error).message;
        if (!REFUSED_PUSH.test(text) || attempt >= this.config.pushAttempts)
          throw new GitUnavailableError(
            `git push to ${this.publicUrlOf(resourceType)} failed after ${attempt} attempts: ${scrub(text, this.urlOf(resourceType))}`,
          );
        // Someone pushed first: back off a little, then rebuild the changes on the new tip.
        await delay(Math.floor(Math.random() * 50 * Math.min(attempt, 10)));
      }
    }
  }

  /** The contents of `files` at `commit` (default: the branch tip), and the commit resolved. */
  async read(
    resourceType: string,
    files: string[],
    commit?: string,
  ): Promise<{ commit: string; contents: Record<string, string> }> {
    // A commit the clone already has is read beside the queue: objects never change, so a read
    // need not wait behind the commits queued for this repository.
    const local = commit === undefined ? undefined : await this.localClone(resourceType);
    const resolved = local && commit ? await this.resolveCommit(local, commit) : '';
    if (local && resolved) {
      try {
        return { commit: resolved, contents: await this.show(local.git, resourceType, resolved, files) };
      } catch (err) {
        if (err instanceof GitNotFoundError) throw err;
        // The clone changed under the read (a failed commit discards it, see `exclusive`): read
        // again in the queue, from the clone as it is then.
      }
    }
    return this.exclusive(resourceType, async () => {
      const url = this.publicUrlOf(resourceType);
      // Reading needs objects, not a working tree: a commit this clone already has (the one this
      // worker just pushed, typically) is read without a fetch; anything else fetches first.
      const clone = await this.clone(resourceType);
      let resolved = commit === undefined ? '' : await this.resolveCommit(clone, commit);
      if (!resolved) {
        const tip = await this.fetch(clone);
        if (commit === undefined) {
          if (!tip) throw new GitNotFoundError(`${url} has no commits yet`);
          resolved = tip;
        } else resolved = await this.resolveCommit(clone, commit);
        if (!resolved) throw new GitNotFoundError(`commit ${commit} is not in ${url}`);
      }
      return { commit: resolved, contents: await this.show(clone.git, resourceType, resolved, files) };
    });
  }

  private async show(
    git: SimpleGit,
    resourceType: string,
    commit: string,
    files: string[],
  ): Promise<Record<string, string>> {
    const contents: Record<string, string> = {};
    for (const file of files) {
      try {
        contents[file] = await git.show([`${commit}:${file}`]);
      } catch (err) {
        // Only git's own word that the commit has no such file is final; anything else (a clone
        // removed or rewritten under the read, a git process that failed) may pass.
        if (/does not exist in|exists on disk, but not in/.test((err as Error).message))
          throw new GitNotFoundError(`${file} is not in ${this.publicUrlOf(resourceType)} at ${commit}`);
        throw err;
      }
    }
    return contents;
  }

  /** The working clone of a repository when this process already has one. */
  private async localClone(resourceType: string): Promise<Clone | undefined> {
    const root = await this.workRoot?.catch(() => undefined);
    const dir = root && path.join(root, resourceType);
    return dir && existsSync(path.join(dir, '.git'))
      ? cloneAt(dir, simpleGit({ baseDir: dir, config: this.identity }), this.identity)
      : undefined;
  }

  /** Removes this worker's working clones. */
  async close(): Promise<void> {
    this.current.clear();
    if (this.workRoot) await rm(await this.workRoot, { recursive: true, force: true });
    this.workRoot = undefined;
  }

  /**
   * The common case of a batch, new content only (no removals, no path twice), written by one
   * `git fast-import` for all its commits: one process per batch instead of three per change.
   * Undefined when the batch is not that case or a change holds nothing new (the caller then
   * takes the general path, which answers "already there" from the remote tip).
   */
  private async importBatch(
    clone: Clone,
    parent: string,
    batch: PendingChange[],
  ): Promise<ChangeResult[] | undefined> {
    const paths = batch.flatMap((c) => Object.keys(c.changes));
    if (new Set(paths).size !== paths.length) return undefined;
    if (batch.some((c) => Object.values(c.changes).some((content) => content === null))) return undefined;
    const blobs = new Map<string, string>();
    for (const line of (await clone.run(['ls-tree', '-r', parent, '--', ...paths])).split('\n')) {
      const match = /^\d+ blob ([0-9a-f]+)\t(.*)$/.exec(line);
      if (match) blobs.set(match[2]!, match[1]!);
    }
    const blobId = (content: string) => {
      const data = Buffer.from(content);
      return createHash('sha1').update(`blob ${data.length}\0`).update(data).digest('hex');
    };
    const unchanged = (c: PendingChange) =>
      Object.entries(c.changes).every(([file, content]) => blobs.get(file) === blobId(content!));
    if (batch.some(unchanged)) return undefined;

    const { name, email } = this.config.author;
    const when = `${Math.floor(Date.now() / 1000)} +0000`;
    const data = (text: string) => `data ${Buffer.byteLength(text)}\n${text}\n`;
    const ref = 'refs/rfm/import';
    let stream = '';
    batch.forEach((c, i) => {
      stream += `commit ${ref}\nmark :${i + 1}\n`;
      stream += `author ${name} <${email}> ${when}\ncommitter ${name} <${email}> ${when}\n`;
      stream += data(`${c.message.trimEnd()}\n`);
      stream += i === 0 ? `from ${parent}\n` : '';
      for (const [file, content] of Object.entries(c.changes))
        stream += `M 100644 inline ${file}\n${data(content!)}`;
    });
    const marks = path.join(clone.dir, '.git', 'rfm-import-marks');
    await clone.run(['fast-import', '--quiet', '--force', `--export-marks=${marks}`], stream);
    const commits = new Map(
      (await readFile(marks, 'utf8'))
        .trim()
        .split('\n')
        .map((line) => line.split(' ') as [string, string]),
    );
    await clone.run(['update-ref', '-d', ref]);
    // The index follows the new tip, so a later change built with plumbing starts from it.
    await clone.run(['read-tree', commits.get(`:${batch.length}`)!]);
    return batch.map((_, i) => ({ commit: commits.get(`:${i + 1}`)!, created: true }));
  }

  /** The commit HEAD names, or null on an unborn branch. */
  private async headCommit(clone: Clone): Promise<string | null> {
    try {
      return (await clone.run(['rev-parse', '-q', '--verify', 'HEAD^{commit}'])).trim() || null;
    } catch {
      return null;
    }
  }

  private async lastCommit(clone: Clone, args: string[]): Promise<string | null> {
    const out = (await clone.run(['log', '-1', '--format=%H', ...args])).trim();
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

  private async resolveCommit(clone: Clone, commit: string): Promise<string> {
    try {
      return (await clone.run(['rev-parse', '--verify', '-q', `${commit}^{commit}`])).trim();
    } catch {
      return '';
    }
  }

  /** Fetches the remote branches; the remote tip of the RFM branch, or null when unborn. */
  private async fetch(clone: Clone): Promise<string | null> {
    const remoteRef = `refs/remotes/origin/${this.config.branch}`;
    await clone.run(['fetch', '-q', '--prune', 'origin', `+refs/heads/*:refs/remotes/origin/*`]);
    return (await clone.run(['for-each-ref', '--format=%(objectname)', remoteRef])).trim() || null;
  }

  /** The working clone of a repository, reset to the remote branch tip (or empty when unborn). */
  private async syncedClone(resourceType: string): Promise<Clone> {
    const clone = await this.clone(resourceType);
    const tip = await this.fetch(clone);
    if (tip) {
      await clone.run(['checkout', '-q', '-f', '-B', this.config.branch, tip]);
    } else {
      // An empty repository: start an unborn branch with an empty tree.
      await clone.run(['symbolic-ref', 'HEAD', `refs/heads/${this.config.branch}`]);
      await clone.run(['update-ref', '-d', `refs/heads/${this.config.branch}`]).catch(() => undefined);
      await clone.run(['read-tree', '--empty']);
    }
    await clone.run(['clean', '-q', '-f', '-d', '-x']);
    return clone;
  }

  /** The working clone of a repository as it is (cloned first when missing). */
  private async clone(resourceType: string): Promise<Clone> {
    const url = this.urlOf(resourceType);
    await this.ensureLocalRepository(url);
    const root = await (this.workRoot ??= mkdir(this.config.workDir, { recursive: true }).then(() =>
      mkdtemp(path.join(this.config.workDir, 'clones-')),
    ));
    const dir = path.join(root, resourceType);
    const git = simpleGit({
      baseDir: existsSync(path.join(dir, '.git')) ? dir : root,
      config: this.identity,
    });
    if (!existsSync(path.join(dir, '.git'))) {
      this.current.delete(resourceType);
      await git.raw(['clone', '-q', '--no-tags', '--origin', 'origin', url, dir]);
      await git.cwd(dir);
    }
    return cloneAt(dir, git, this.identity);
  }

  /** A local repository (file:// URL or absolute path) that does not exist yet is created bare; remote ones must exist. */
  private async ensureLocalRepository(url: string): Promise<void> {
    const dir = url.startsWith('file://') ? fileURLToPath(url) : path.isAbsolute(url) ? url : undefined;
    if (!dir) return;
    if (existsSync(path.join(dir, 'HEAD'))) return;
    // Two `git init`s of one folder at once collide on the files they copy, so each worker builds
    // the repository aside and renames it into place: the first rename wins, and a later one
    // finds the folder taken (not empty) and leaves the winner's repository as it is.
    await mkdir(path.dirname(dir), { recursive: true });
    const aside = await mkdtemp(`${dir}.init-`);
    try {
      await simpleGit({ baseDir: aside }).raw([
        'init',
        '-q',
        '--bare',
        '--initial-branch',
        this.config.branch,
      ]);
      await rename(aside, dir).catch((err: NodeJS.ErrnoException) => {
        if (!['ENOTEMPTY', 'EEXIST'].includes(err.code ?? '')) throw err;
      });
    } finally {
      await rm(aside, { recursive: true, force: true });
    }
  }
}
