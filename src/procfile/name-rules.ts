// Which process names are accepted. The default follows foreman/honcho, the tools users migrate
// from; `--strict` adds the Heroku (Cloud Native Buildpacks) rules on top, for Heroku parity.
import { clip } from './clip.js';

/** foreman's and honcho's name pattern: letters, digits, `_` and `-`, any case, any position. */
export const PROCESS_NAME = /^[A-Za-z0-9_-]+$/;

/** Heroku's limit on a process type name. */
export const HEROKU_MAX_NAME_LENGTH = 63;

/** Why a name fails Heroku's rules, with a fix where one is obvious. */
export interface NameProblem {
  message: string;
  hint?: string;
}

/**
 * Checks a name that already matches PROCESS_NAME against Heroku's rules: lowercase `[a-z0-9]`,
 * `-` allowed inside, at most 63 characters. Returns undefined when the name is fine.
 */
export function herokuNameProblem(name: string): NameProblem | undefined {
  const rule = 'with --strict (Heroku rules)';
  if (name.length > HEROKU_MAX_NAME_LENGTH) {
    return {
      message: `process name "${clip(name)}" is ${name.length} characters long; ${rule} the limit is ${HEROKU_MAX_NAME_LENGTH}`,
    };
  }
  if (/[A-Z]/.test(name)) {
    return { message: `process name "${name}" has uppercase letters; ${rule} names are lowercase`, hint: `Rename it to "${name.toLowerCase()}".` };
  }
  if (name.includes('_')) {
    return { message: `process name "${name}" contains "_"; ${rule} only a-z, 0-9 and "-" are allowed`, hint: `Rename it to "${name.replace(/_/g, '-')}".` };
  }
  if (name.startsWith('-') || name.endsWith('-')) {
    return { message: `process name "${name}" starts or ends with "-"; ${rule} it must start and end with a letter or digit` };
  }
  return undefined;
}
