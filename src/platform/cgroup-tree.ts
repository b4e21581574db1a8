// Every process an instance started, wherever it went, where the kernel can tell: a cgroup v2
// subtree of dozen's own, as systemd's KillMode=control-group does. No process can leave a cgroup
// by itself (setsid, a double fork, `env -i` change nothing), so this catches what the
// environment cookie (platform/descendants.ts) misses.
//
// Layout: dozen stays where it is (`<current>`); it creates `<current>/dozen-<pid>/` holding no
// process (so the no-internal-process rule never bites) and, per run of an instance, a leaf
// `<current>/dozen-<pid>/<n>` (n: the run's cookie number). Moving a process needs write access
// to the cgroups on both sides and to their common ancestor's `cgroup.procs` (`<current>`), which
// is what a delegated subtree (root, a systemd unit with Delegate=yes, a container that owns its
// cgroup) gives. Anything else (not Linux, no cgroup2 mount, read-only, EACCES, EPERM, EBUSY...)
// makes `open` return undefined or a run's `enter` return false, and dozen uses the cookie alone.
import { accessSync, constants, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';

export interface CgroupTreeOptions {
  procRoot?: string;
  /** The name of dozen's folder under its cgroup (default `dozen-<pid>`, then `dozen-<pid>.<n>`). */
  name?: string;
  platform?: NodeJS.Platform;
}

/** Errors that mean "cgroups are not ours to use here": fall back, never fail. */
const UNUSABLE = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOENT', 'ENOTDIR', 'EBUSY', 'EINVAL', 'EOPNOTSUPP', 'ENOSPC', 'EAGAIN', 'EEXIST']);

function unusable(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code !== undefined && UNUSABLE.has(code);
}

/** The cgroup2 mount point and the root it shows, from /proc/self/mountinfo's text. */
export function findCgroup2Mount(mountinfo: string): { mountPoint: string; root: string } | undefined {
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep === -1 || !line.slice(sep + 3).startsWith('cgroup2 ')) continue;
    const fields = line.slice(0, sep).split(' ');
    const [root, mountPoint] = [fields[3], fields[4]];
    if (root !== undefined && mountPoint !== undefined) return { root: unescapeMount(root), mountPoint: unescapeMount(mountPoint) };
  }
  return undefined;
}

/** mountinfo writes space, tab, newline and backslash as `\040`-style octal escapes. */
function unescapeMount(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
}

/** The unified-hierarchy path (`0::/a/b`) from /proc/self/cgroup's text. */
export function currentCgroup(text: string): string | undefined {
  const line = text.split('\n').find((l) => l.startsWith('0::'));
  return line === undefined ? undefined : line.slice(3);
}

/** Trees opened by this process so far: each gets its own folder (the doctor runs several supervisors). */
let opened = 0;

export class CgroupTree {
  private readonly leaves = new Set<string>();
  private made = false;
  private hasKill: boolean | undefined;

  private constructor(
    /** `/sys/fs/cgroup/.../dozen-<pid>`: the folder the watchdog kills and removes. */
    readonly root: string,
  ) {}

  /** dozen's subtree, created; undefined (silently) where cgroups cannot be used. */
  static open(opts: CgroupTreeOptions = {}): CgroupTree | undefined {
    if ((opts.platform ?? process.platform) !== 'linux') return undefined;
    const procRoot = opts.procRoot ?? '/proc';
    try {
      const mount = findCgroup2Mount(readFileSync(`${procRoot}/self/mountinfo`, 'utf8'));
      const current = currentCgroup(readFileSync(`${procRoot}/self/cgroup`, 'utf8'));
      if (mount === undefined || current === undefined || current.endsWith(' (deleted)')) return undefined;
      // In a cgroup namespace the mount shows its root: our path is relative to it.
      const rootPrefix = mount.root === '/' ? '' : mount.root;
      if (rootPrefix !== '' && current !== rootPrefix && !current.startsWith(`${rootPrefix}/`)) return undefined;
      const here = `${mount.mountPoint}${current.slice(rootPrefix.length)}`.replace(/\/+$/, '');
      // Moving our children out of `here` needs its cgroup.procs (the common ancestor's).
      accessSync(`${here}/cgroup.procs`, constants.W_OK);
      const root = `${here}/${opts.name ?? (opened === 0 ? `dozen-${process.pid}` : `dozen-${process.pid}.${opened}`)}`;
      opened += 1;
      // Created with the first leaf (once the watchdog, which removes it, runs), not here.
      return new CgroupTree(root);
    } catch (err) {
      if (unusable(err)) return undefined;
      throw err;
    }
  }

  /** The leaf for run `n`, created (undefined if it could not be). */
  leaf(n: number): string | undefined {
    const path = `${this.root}/${n}`;
    try {
      if (!this.made) {
        removeQuietly(this.root); // a dead dozen's with our pid, if empty
        mkdirSync(this.root);
        this.made = true;
      }
      mkdirSync(path);
    } catch (err) {
      if (!unusable(err)) throw err;
      return undefined;
    }
    this.leaves.add(path);
    return path;
  }

  /** Moves `pid` (and any thread of it) into `leaf`: false when the kernel refused. */
  enter(leaf: string, pid: number): boolean {
    try {
      writeFileSync(`${leaf}/cgroup.procs`, `${pid}\n`);
      return true;
    } catch (err) {
      // ESRCH: reaped already (a zombie is still moved); what it started is in the leaf, if anywhere.
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') return true;
      if (unusable(err)) return false;
      throw err;
    }
  }

  /** The pids in `leaf` now (zombies are not listed). */
  procs(leaf: string): number[] {
    let text: string;
    try {
      text = readFileSync(`${leaf}/cgroup.procs`, 'latin1');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const pids: number[] = [];
    for (const line of text.split('\n')) if (line !== '') pids.push(Number(line));
    return pids;
  }

  /** SIGKILLs everything in `leaf` at once (cgroup.kill, Linux 5.14+); false where there is none. */
  kill(leaf: string): boolean {
    this.hasKill ??= exists(`${leaf}/cgroup.kill`);
    if (!this.hasKill) return false;
    try {
      writeFileSync(`${leaf}/cgroup.kill`, '1\n');
      return true;
    } catch (err) {
      if (unusable(err)) return false;
      throw err;
    }
  }

  /** Removes an empty leaf; one still populated stays for `dispose` (and the watchdog). */
  remove(leaf: string): void {
    if (removeQuietly(leaf)) this.leaves.delete(leaf);
  }

  /** Removes every empty leaf and, if they all went, dozen's folder. */
  dispose(): void {
    for (const leaf of this.leaves) this.remove(leaf);
    if (this.made && this.leaves.size === 0 && removeQuietly(this.root)) this.made = false;
  }
}

function exists(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch (err) {
    // Absent (Linux < 5.14) or not writable: not usable.
    if (unusable(err)) return false;
    throw err;
  }
}

/** rmdir: true when it is gone; a cgroup still populated (EBUSY) or not ours stays. */
function removeQuietly(path: string): boolean {
  try {
    rmdirSync(path);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return true;
    if (unusable(err) || code === 'ENOTEMPTY') return false;
    throw err;
  }
}
