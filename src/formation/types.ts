/** How many instances of each process type to run. */
export type Formation = Map<string, number>;

/**
 * What to run: one instance of a process type (`web.1`). Produced by the pure
 * formation expansion and shared by `start` (the supervisor) and `export`.
 */
export interface ProcessSpec {
  /** Instance name, `<type>.<n>`: `web.1`. */
  name: string;
  /** Process type from the Procfile: `web`. */
  type: string;
  /** 1-based instance number within its type. */
  index: number;
  /** Shell command, run as `sh -c command`. */
  command: string;
  /** The instance's PORT; undefined for the release phase. */
  port: number | undefined;
  /**
   * The app's config (env files, after precedence) plus PORT, PS and DYNO.
   * Not the whole inherited environment: the supervisor adds that underneath when it spawns.
   */
  env: Record<string, string>;
  /** Absolute app root: the working directory. */
  cwd: string;
  /** The numbered release the instance runs (`v4`); undefined for a working tree. */
  release?: string;
  /**
   * An HTTP path (`/health`) that must answer 2xx or 3xx, once the port accepts, before the
   * instance counts as ready. Only `web` specs get one (`--health-path`, app.json's `healthchecks.web`).
   */
  healthPath?: string;
}
