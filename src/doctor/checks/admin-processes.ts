// Factor XII, Admin processes (static part): one-off tasks run as one-off processes. A migration
// declared as a process type runs (and exits) with every start, once per instance; it belongs in
// the release phase (`release:`) or in `dozen run`. The run sees such a type exit 0 at once.
import { procfileCheck } from './procfile-check.js';
import { scriptWords } from './shell-words.js';

/** The one-off task a simple command's words run (`manage.py migrate`), if any. */
export function oneOffTask(words: readonly string[]): string | undefined {
  const [tool = '', a = '', b = ''] = scriptWords(words);
  const task = (n: number) => [tool, a, b].slice(0, n).join(' ');
  if ((tool === 'manage.py' || tool === 'django-admin') && /^(migrate|createsuperuser|loaddata|createcachetable|flush)$/.test(a)) return task(2);
  if ((tool === 'rake' || tool === 'rails') && /^db:(migrate|setup|seed|create|prepare|schema:load)$/.test(a)) return task(2);
  if (/^(npm|yarn|pnpm|bun)$/.test(tool) && /^(migrate|seed|db:migrate|migration:run)(:.*)?$/.test(a === 'run' ? b : a)) return a === 'run' ? task(3) : task(2);
  if (/^(knex|sequelize|sequelize-cli|typeorm|db-migrate|node-pg-migrate)$/.test(tool) && /^(migrate|db:migrate|migration:run|up)/.test(a)) return task(2);
  if (tool === 'knex' && a.startsWith('seed')) return task(2);
  if (tool === 'prisma' && (a === 'migrate' || a === 'db')) return task(3);
  if (tool === 'alembic' && (a === 'upgrade' || a === 'downgrade')) return task(2);
  if (tool === 'flask' && a === 'db' && b === 'upgrade') return task(3);
  if (/^(goose|migrate|dbmate|flyway|liquibase)$/.test(tool) && /^(up|migrate|update|-path|-database)$/.test(a)) return task(2);
  if (tool === 'mix' && a === 'ecto.migrate') return task(2);
  if (tool === 'php' && a === 'artisan' && b === 'migrate') return task(3);
  return undefined;
}

export const oneOffAsProcessType = procfileCheck({
  id: 'admin.one-off-type',
  factor: 'XII',
  pass: 'no one-off task declared as a process type',
  withRelease: false,
  problems(entry) {
    const tasks = entry.commands.map((c) => oneOffTask(c.words));
    const task = tasks.find((t) => t !== undefined);
    if (task === undefined) return [];
    const alone = tasks.every((t) => t !== undefined);
    return [
      {
        status: 'warn',
        message: alone ? `"${entry.name}" is a one-off task declared as a long-running process type: ${task}` : `"${entry.name}" runs a one-off task before its process, at every start of every instance: ${task}`,
        fix: `run it once per release as \`release: ${task}\`, or by hand with \`dozen run ${task}\``,
      },
    ];
  },
});
