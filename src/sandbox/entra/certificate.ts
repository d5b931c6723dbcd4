import { generate } from 'selfsigned';

export interface SandboxCertificate {
  /** PEM of the CA that signed the server certificate: what a client must trust (never process-wide). */
  caPem: string;
  key: string;
  cert: string;
}

/**
 * A throwaway CA and a server certificate for 127.0.0.1 and localhost, made at start and never written to disk.
 * A CA plus leaf (rather than one self-signed leaf) mirrors real chains, so TLS clients verify it the ordinary way.
 * EC keys keep generation to a few tens of milliseconds.
 */
export async function createSandboxCertificate(): Promise<SandboxCertificate> {
  const now = new Date();
  const notBeforeDate = new Date(now.getTime() - 60 * 60 * 1000);
  const notAfterDate = new Date(now.getTime() + 7 * 24 * 60 * 60 * 1000);
  const ca = await generate([{ name: 'commonName', value: 'psa-tap-connector sandbox CA' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const leaf = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] },
    ],
  });
  return { caPem: ca.cert, key: leaf.private, cert: leaf.cert };
}
