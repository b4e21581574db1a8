// What changed between two loads of a working tree (the Procfile and env files re-read on
// `dozen restart`), as short phrases naming types and keys only: never a value (it may be a secret).
import { RELEASE_TYPE } from '../procfile/types.js';
import type { LoadedApp } from './load-app.js';

/** `web: command changed`, `clock: added`, `config: DATABASE_URL changed, DEBUG added`; none when equal. */
export function appChanges(before: LoadedApp, after: LoadedApp): string[] {
  const changes: string[] = [];
  const was = new Map(before.procfile.entries.map((e) => [e.name, e.command]));
  const now = new Map(after.procfile.entries.map((e) => [e.name, e.command]));
  const later = (name: string) => (name === RELEASE_TYPE ? ' (it runs at the next dozen start)' : '');
  for (const [name, command] of now) {
    if (!was.has(name)) changes.push(`${name}: added${later(name)}`);
    else if (was.get(name) !== command) changes.push(`${name}: command changed${later(name)}`);
  }
  for (const name of was.keys()) if (!now.has(name)) changes.push(`${name}: removed`);
  const keys = keyChanges(before.config, after.config);
  if (keys.length > 0) changes.push(`config: ${keys.join(', ')}`);
  return changes;
}

function keyChanges(before: Record<string, string>, after: Record<string, string>): string[] {
  const changes: string[] = [];
  for (const [key, value] of Object.entries(after)) {
    if (!Object.hasOwn(before, key)) changes.push(`${key} added`);
    else if (before[key] !== value) changes.push(`${key} changed`);
  }
  for (const key of Object.keys(before)) if (!Object.hasOwn(after, key)) changes.push(`${key} removed`);
  return changes;
}
