// Factor IV, Backing services: attached resources, located by the config. An address of a
// database, cache or broker written in the source ties the code to one deploy.
import type { AppFacts, Check } from '../types.js';
import { capped, count, passed, problem } from './findings.js';
import { isScannedCode } from './source-kinds.js';
import { scanSource } from './source-scan.js';

const SCHEMES = 'redis|rediss|mongodb|mongodb\\+srv|amqp|amqps|postgres|postgresql|mysql|mariadb|memcached|kafka|nats|mssql|sqlserver|cassandra|couchdb|neo4j|bolt|elasticsearch|clickhouse';
/** `redis://host...` with something after the `://` (a bare `'redis://'` prefix in a parser is no address). */
const SERVICE_URL = new RegExp(`\\b(${SCHEMES})://[^\\s'"\`<>)]+`, 'gi');
/** The usual ports of backing services. */
const SERVICE_PORTS: Record<string, string> = {
  '5432': 'PostgreSQL', '3306': 'MySQL', '6379': 'Redis', '27017': 'MongoDB', '5672': 'RabbitMQ', '11211': 'Memcached',
  '9200': 'Elasticsearch', '9092': 'Kafka', '4222': 'NATS', '1433': 'SQL Server', '1521': 'Oracle', '26257': 'CockroachDB',
  '9042': 'Cassandra', '8086': 'InfluxDB', '2181': 'ZooKeeper', '7687': 'Neo4j', '8123': 'ClickHouse',
};
const HOST_PORT = /\b(localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\]|host\.docker\.internal)[:](\d{2,5})\b/g;

export interface AddressSeen {
  /** The address with any password masked. */
  address: string;
  service: string;
}

/** Backing-service addresses written in a line. */
export function addressesIn(line: string): AddressSeen[] {
  const seen: AddressSeen[] = [];
  for (const m of line.matchAll(SERVICE_URL)) {
    seen.push({ address: m[0].replace(/(:\/\/[^:@/]+):[^@/]+@/, '$1:****@'), service: (m[1] as string).toLowerCase() });
  }
  for (const m of line.matchAll(HOST_PORT)) {
    const service = SERVICE_PORTS[m[2] as string];
    if (service === undefined || seen.some((s) => s.address.includes(m[0]))) continue;
    seen.push({ address: m[0], service });
  }
  return seen;
}

export const addressInSource: Check<AppFacts> = {
  id: 'backing.address-in-source',
  factor: 'IV',
  run(facts) {
    const { read, findings } = scanSource(facts, isScannedCode, ({ file, line, text, comment, fallback }) =>
      comment
        ? []
        : addressesIn(text).map((seen) =>
            problem(
              'backing.address-in-source',
              fallback ? 'warn' : 'fail',
              fallback ? `a ${seen.service} address is the default of a config read` : `a ${seen.service} address is written in the source`,
              seen.address,
              fallback ? 'fine for development; make sure every deploy sets the variable (or drop the default so a missing one stops the app)' : 'read the address from the config (e.g. DATABASE_URL, REDIS_URL) so each deploy attaches its own',
              { file: file.path, line },
            ),
          ),
    );
    if (findings.length > 0) return capped(findings);
    return [passed('backing.address-in-source', 'no backing-service address written in the source', `${count(read, 'source file')} read`)];
  },
};
