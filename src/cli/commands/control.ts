import type { Command } from 'commander';
import { DozenError } from '../../errors.js';

// Placeholder until its issue lands; replaced by the real command.
export function register(program: Command): void {
  program
    .command('control-pending', { hidden: true })
    .action(() => {
      throw new DozenError('internal', 'control is not built yet');
    });
}
