// The certificates a TLS drain trusts. Node uses neither its own roots nor NODE_EXTRA_CA_CERTS
// once a `ca` option is given, and bin/dozen starts Node without NODE_EXTRA_CA_CERTS anyway (so
// that every start-up does not parse it): a drain trusts Node's roots, the file named by
// NODE_EXTRA_CA_CERTS (read on the first TLS connection) and its own extra PEM.
import { readFileSync } from 'node:fs';
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g;

/** The last context made, by what it was made from: parsing a few hundred certificates takes ~100 ms. */
let cached: { key: string; context: SecureContext | undefined } | undefined;

/**
 * The secure context for a TLS drain's connections: undefined (Node's defaults) when there is
 * nothing to add, else one trusting Node's roots, the certificates of the file named by
 * NODE_EXTRA_CA_CERTS and `ownCa`. A file that cannot be read is ignored, as Node does, with one
 * notice through `warn`.
 */
export function drainSecureContext(ownCa: string | undefined, warn: (text: string) => void, env: NodeJS.ProcessEnv = process.env): SecureContext | undefined {
  const path = env.NODE_EXTRA_CA_CERTS ?? '';
  const key = `${path}\0${ownCa ?? ''}`;
  if (cached?.key !== key) {
    const extra = path === '' ? [] : readCerts(path, warn);
    const cas = [...extra, ...(ownCa ? [ownCa] : [])];
    cached = { key, context: cas.length === 0 ? undefined : createSecureContext({ ca: [...rootCertificates, ...cas] }) };
  }
  return cached.context;
}

function readCerts(path: string, warn: (text: string) => void): string[] {
  const ignoring = `ignoring the extra CA certificates of NODE_EXTRA_CA_CERTS (${path})`;
  let text: string;
  try {
    text = readFileSync(path, 'latin1');
  } catch (err) {
    warn(`${ignoring}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    return [];
  }
  const certs = text.match(PEM_CERTIFICATE) ?? [];
  if (certs.length === 0) warn(`${ignoring}: it holds no PEM certificate`);
  return certs;
}
