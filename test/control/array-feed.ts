// A log store in memory for control tests: `store(n)` commits n more lines and tells the listeners.
import type { LogFeed } from '../../src/control/api.js';
import type { LogQuery } from '../../src/logs/query.js';
import type { StoredLine } from '../../src/logs/store/stored-line.js';

/** A store of lines in memory: `store(n)` commits n more lines and tells the listeners. */
export class ArrayFeed implements LogFeed {
  readonly lines: StoredLine[] = [];
  readonly queries: LogQuery[] = [];
  private readonly listeners = new Set<() => void>();

  store(count: number, instance = 'web.1'): void {
    for (let i = 0; i < count; i++) {
      const id = this.lines.length + 1;
      this.lines.push({ id, tsUs: id, instance, type: instance.split('.')[0] as string, source: 'app', stream: 'stdout', text: `line ${id}` });
    }
    for (const l of this.listeners) l();
  }

  listenerCount(): number {
    return this.listeners.size;
  }

  private matching(q: LogQuery): StoredLine[] {
    return this.lines.filter((l) => (q.ps === undefined || l.instance.startsWith(q.ps)) && (q.grep === undefined || q.grep.test(l.text)));
  }

  async snapshot(q: LogQuery) {
    this.queries.push(q);
    const all = this.matching(q);
    return { lines: q.limit === undefined ? all : all.slice(-q.limit), cursor: this.lines.length };
  }

  async after(cursor: number, q: LogQuery) {
    // Pages of 3 lines, filtered after paging, as the real reader pages chunks: a page may hold
    // no match, and a follow must come back for the rest.
    const page = this.lines.filter((l) => l.id > cursor).slice(0, 3);
    const lines = this.matching(q).filter((l) => page.includes(l));
    return { lines, cursor: page.at(-1)?.id ?? cursor };
  }

  onStored(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

