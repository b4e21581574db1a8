// The CLI's side of loading an app: flags -> an AppSource, read from the current folder and the
// environment dozen was started with.
import { type AppSource, type LoadedApp, loadApp, shownFrom } from '../app/load-app.js';
import type { AppCliOptions } from './options.js';

export function appSource(opts: AppCliOptions, extra: { procfileOptional?: boolean } = {}): AppSource {
  return { ...opts, ...extra, cwd: process.cwd(), inherited: process.env };
}

/** Loads the app the flags name, as seen from the current folder. */
export function loadAppFromCli(opts: AppCliOptions, extra: { procfileOptional?: boolean } = {}): LoadedApp {
  return loadApp(appSource(opts, extra));
}

/** A path as messages show it: relative to the current folder when under it. */
export function shown(path: string): string {
  return shownFrom(process.cwd(), path);
}
