// `dozen allow`'s approvals: one private file per approved env file, named by the SHA-256 of the
// file's real path and holding that path and the SHA-256 of the content approved, so an edit, or
// the same content in another place, is not approved (direnv's rule). Folder 0700, files 0600,
// written atomically.
import { createHash } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../platform/atomic-file.js';

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** `$XDG_DATA_HOME/dozen/allow`, else `~/.local/share/dozen/allow`. */
export function allowDir(env: NodeJS.ProcessEnv = process.env): string {
  const data = env.XDG_DATA_HOME && env.XDG_DATA_HOME.startsWith('/') ? env.XDG_DATA_HOME : join(env.HOME || homedir(), '.local/share');
  return resolve(data, 'dozen/allow');
}

export class AllowStore {
  constructor(readonly dir: string) {}

  /** The file that approves `path` (a real path), whether it exists or not. */
  approvalFile(path: string): string {
    return join(this.dir, `${sha256(path)}.json`);
  }

  /** Whether the content with hash `contentSha256` is approved at `path`. */
  isAllowed(path: string, contentSha256: string): boolean {
    if (!this.isPrivate()) return false;
    let text: string;
    try {
      text = readFileSync(this.approvalFile(path), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
    try {
      const approval = JSON.parse(text) as { path?: unknown; sha256?: unknown };
      return approval.path === path && approval.sha256 === contentSha256;
    } catch {
      return false; // a damaged approval approves nothing
    }
  }

  allow(path: string, contentSha256: string): void {
    this.ensureDir();
    writeFileAtomic(this.approvalFile(path), `${JSON.stringify({ path, sha256: contentSha256 })}\n`, 0o600);
  }

  /** Removes the approval of `path`; false when there was none. */
  deny(path: string): boolean {
    const file = this.approvalFile(path);
    try {
      lstatSync(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
    rmSync(file);
    return true;
  }

  /** Only a folder that is ours and that nobody else can write approves anything. */
  private isPrivate(): boolean {
    try {
      const st = lstatSync(this.dir);
      return st.isDirectory() && st.uid === process.getuid?.() && (st.mode & 0o022) === 0;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }

  private ensureDir(): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    // mkdir's mode is filtered by the umask and ignored for an existing folder: set it explicitly.
    chmodSync(this.dir, 0o700);
  }
}
