// The one place names are sanitised, so a unit, a program, a Deployment and a compose service for
// the same app and type always carry the same name.
import { DozenError } from '../errors.js';

/** Longest sanitised part: `app-type` stays within Kubernetes' 63-character label limit. */
export const MAX_NAME_LENGTH = 30;

/**
 * Any text -> a lowercase DNS label fragment: letters, digits and single dashes, no dash at either
 * end, at most MAX_NAME_LENGTH characters. Valid as a systemd unit name, a supervisord program,
 * a Kubernetes object name and a compose service. Throws when nothing usable is left.
 */
export function sanitizeName(raw: string, what = 'name'): string {
  const name = raw
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '') // accents off: "café" -> "cafe"
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, MAX_NAME_LENGTH)
    .replace(/^-+|-+$/g, '');
  if (name === '') {
    throw new DozenError('export', `cannot make a ${what} from "${raw}": it needs letters or digits.`, {
      hint: what === 'app name' ? 'Name the app with --app NAME.' : undefined,
    });
  }
  return name;
}

export interface ExportNames {
  app: string;
  typeNames: Map<string, string>;
}

/**
 * The app name (a Kubernetes Service name must start with a letter, so a leading digit gets
 * `app-`) and one name per process type; two types that sanitise alike are an error.
 */
export function exportNames(rawApp: string, types: readonly string[]): ExportNames {
  let app = sanitizeName(rawApp, 'app name');
  if (/^[0-9]/.test(app)) app = sanitizeName(`app-${app}`, 'app name');
  const typeNames = new Map<string, string>();
  const seen = new Map<string, string>();
  for (const type of types) {
    const name = sanitizeName(type, 'process type name');
    const other = seen.get(name);
    if (other !== undefined && other !== type) {
      throw new DozenError('export', `process types "${other}" and "${type}" both become "${name}" when exported.`, {
        hint: 'Rename one of them in the Procfile.',
      });
    }
    seen.set(name, type);
    typeNames.set(type, name);
  }
  return { app, typeNames };
}

/** A user name is a plain word; anything else would change the meaning of the file it lands in. */
export function userName(user: string): string {
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*\$?$/.test(user)) {
    throw new DozenError('usage', `--user: expected a user name, got ${JSON.stringify(user)}.`);
  }
  return user;
}
