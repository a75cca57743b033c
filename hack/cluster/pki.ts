import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';

export interface Pki {
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  adminCert: string;
  adminKey: string;
  serviceAccountKey: string;
  serviceAccountPub: string;
}

function openssl(dir: string, ...args: string[]): void {
  try {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`openssl ${args[0]} failed: ${stderr.trim() || (err as Error).message}. Is openssl installed?`, {
      cause: err,
    });
  }
}

/** The `kubernetes` Service's ClusterIP: the first address of the Service range (control-plane.ts's serviceCidr). */
export const kubernetesServiceIp = '10.96.0.1';

const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** signCert makes NAME.key and NAME.crt in dir, signed by the CA there; returns [cert, key]. */
function signCert(dir: string, name: string, subject: string, extensions: string): [string, string] {
  openssl(dir, 'req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
  writeFileSync(path.join(dir, `${name}.ext`), extensions);
  openssl(
    dir,
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    `${name}.crt`,
    '-days',
    '30',
    '-extfile',
    `${name}.ext`,
  );
  return [path.join(dir, `${name}.crt`), path.join(dir, `${name}.key`)];
}

/** makeClientCert signs a client certificate; subject's O= is the group, CN= the user. */
export function makeClientCert(dir: string, name: string, subject: string): [string, string] {
  return signCert(dir, name, subject, 'extendedKeyUsage=clientAuth\n');
}

/**
 * makePki writes a throw-away CA, the API server's serving certificate, an admin client
 * certificate (group system:masters) and the ServiceAccount signing key pair. Client
 * certificates are how envtest lets tests in; EC keys keep it fast. The serving certificate
 * names every way a client reaches the server: 127.0.0.1, `apiserverIps` (where it listens), and
 * the `kubernetes` Service's ClusterIP and DNS names, which in-cluster clients dial.
 */
export function makePki(dir: string, apiserverIps: string[] = []): Pki {
  const ips = [...new Set(['127.0.0.1', ...apiserverIps, kubernetesServiceIp])].map((ip) => `IP:${ip}`);
  const names = ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc'];
  const dns = [...names, 'kubernetes.default.svc.cluster.local'].map((n) => `DNS:${n}`);
  openssl(
    dir,
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '30',
    '-subj',
    '/CN=appwithhelpers-test-ca',
  );
  signCert(
    dir,
    'server',
    '/CN=kube-apiserver',
    `subjectAltName=${[...ips, ...dns].join(',')}\nextendedKeyUsage=serverAuth\n`,
  );
  makeClientCert(dir, 'admin', '/O=system:masters/CN=admin');
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(path.join(dir, 'sa.key'), privateKey.export({ type: 'pkcs1', format: 'pem' }));
  writeFileSync(path.join(dir, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
  const at = (f: string) => path.join(dir, f);
  return {
    caCert: at('ca.crt'),
    caKey: at('ca.key'),
    serverCert: at('server.crt'),
    serverKey: at('server.key'),
    adminCert: at('admin.crt'),
    adminKey: at('admin.key'),
    serviceAccountKey: at('sa.key'),
    serviceAccountPub: at('sa.pub'),
  };
}
