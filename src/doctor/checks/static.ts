// Every static check, in factor order: what `dozen doctor --static` runs.
import type { AppFacts, Check } from '../types.js';
import { oneOffAsProcessType } from './admin-processes.js';
import { addressInSource } from './backing-services.js';
import { buildStepInRun } from './build-release-run.js';
import { definitionsTracked, gitRepository } from './codebase.js';
import { processTypesDeclared } from './concurrency.js';
import { envFileTracked, secretInSource } from './config.js';
import { lockfilePresent, manifestPresent, undeclaredImports } from './dependencies.js';
import { devServerAsWeb, devSwitchInConfig } from './dev-prod-parity.js';
import { pythonBufferedStatic } from './logs.js';
import { sqliteInConfig } from './processes.js';

export const STATIC_CHECKS: ReadonlyArray<Check<AppFacts>> = [
  gitRepository,
  definitionsTracked,
  manifestPresent,
  lockfilePresent,
  undeclaredImports,
  envFileTracked,
  secretInSource,
  addressInSource,
  buildStepInRun,
  sqliteInConfig,
  processTypesDeclared,
  devServerAsWeb,
  devSwitchInConfig,
  pythonBufferedStatic,
  oneOffAsProcessType,
];
