// RFC 5424 syslog messages framed by RFC 6587 octet counting: what every drain sends.
//
//   <14>1 2026-11-28T16:40:12.123456+00:00 myhost myapp web.1 app - GET / 200
//   PRI  VERSION TIMESTAMP                  HOSTNAME APP-NAME PROCID MSGID SD MSG
//
// PRI is facility user (1) with the severity of the line: info (6) for stdout and dozen's info
// lines, error (3) for stderr and dozen's errors, warning (4) for dozen's warnings. APP-NAME is
// the app, PROCID the instance, MSGID the source (`app` or `dozen`), no structured data.
import { logplexTimestamp } from '../logplex-format.js';
import type { LogSource } from '../store/stored-line.js';

export interface DrainLine {
  tsUs: number;
  instance: string;
  source: LogSource;
  /** stdout | stderr, or dozen's level info | warn | error. */
  stream: string;
  text: string;
}

export interface SyslogHeader {
  hostname: string;
  appName: string;
}

const FACILITY_USER = 1;
const SEVERITY: Record<string, number> = { stdout: 6, info: 6, stderr: 3, error: 3, warn: 4 };

/** A header field: printable US-ASCII without spaces (33..126), at most `max` chars, `-` if empty. */
export function headerField(value: string, max: number): string {
  const clean = value.replace(/[^\x21-\x7e]/g, '_').slice(0, max);
  return clean === '' ? '-' : clean;
}

export function syslogMessage(line: DrainLine, header: SyslogHeader): string {
  const pri = FACILITY_USER * 8 + (SEVERITY[line.stream] ?? 6);
  return (
    `<${pri}>1 ${logplexTimestamp(line.tsUs)} ${headerField(header.hostname, 255)} ${headerField(header.appName, 48)} ` +
    `${headerField(line.instance, 128)} ${headerField(line.source, 32)} - ${line.text}`
  );
}

/** `LEN SP MSG`, LEN being MSG's length in bytes (RFC 6587 section 3.4.1). */
export function octetFrame(message: string): string {
  return `${Buffer.byteLength(message)} ${message}`;
}
