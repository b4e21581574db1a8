import type { Command } from 'commander';
import { register as check } from './check.js';
import { register as env } from './env.js';
import { register as run } from './run.js';
import { register as start } from './start.js';
import { register as control } from './control.js';
import { register as logs } from './logs.js';
import { register as exportCmd } from './export.js';

/** Every command registers itself on the program; order is the order of `dozen --help`. */
export const commands: Array<(program: Command) => void> = [start, check, env, run, control, logs, exportCmd];
