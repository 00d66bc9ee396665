import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * SCRAM-SHA-256 client (RFC 5802 / RFC 7677), the password method PostgreSQL 15 uses by
 * default. The server proves it knows the password too (server signature), so a spoofed
 * database cannot pretend the login worked.
 */
export interface ScramSession {
  clientFirstBare: string;
  clientNonce: string;
}

const hmac = (key: Buffer, data: string) => createHmac('sha256', key).update(data).digest();
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest();

/** The first client message. PostgreSQL ignores the SCRAM user name (it uses the startup user), so it is empty by default. */
export function scramClientFirst(nonce = randomBytes(18).toString('base64'), user = ''): { message: string; session: ScramSession } {
  const clientFirstBare = `n=${user.replace(/=/g, '=3D').replace(/,/g, '=2C')},r=${nonce}`;
  return { message: `n,,${clientFirstBare}`, session: { clientFirstBare, clientNonce: nonce } };
}

/** Parses "k=v,k=v" SCRAM attributes. */
export function scramAttributes(message: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of message.split(',')) {
    const i = part.indexOf('=');
    if (i > 0) out.set(part.slice(0, i), part.slice(i + 1));
  }
  return out;
}

/** Answers the server-first message: returns the client-final message and the signature the server must send back. */
export function scramClientFinal(session: ScramSession, serverFirst: string, password: string): { message: string; serverSignature: string } {
  const attrs = scramAttributes(serverFirst);
  const nonce = attrs.get('r');
  const salt = attrs.get('s');
  const iterations = Number(attrs.get('i'));
  if (!nonce || !salt || !Number.isInteger(iterations) || iterations < 1) throw new Error('SCRAM: malformed server-first message');
  if (!nonce.startsWith(session.clientNonce)) throw new Error('SCRAM: server nonce does not extend the client nonce');
  const salted = pbkdf2Sync(password.normalize('NFKC'), Buffer.from(salt, 'base64'), iterations, 32, 'sha256');
  const clientKey = hmac(salted, 'Client Key');
  const storedKey = sha256(clientKey);
  const withoutProof = `c=biws,r=${nonce}`;
  const authMessage = `${session.clientFirstBare},${serverFirst},${withoutProof}`;
  const signature = hmac(storedKey, authMessage);
  const proof = Buffer.alloc(clientKey.length);
  for (let i = 0; i < clientKey.length; i++) proof[i] = clientKey[i]! ^ signature[i]!;
  const serverSignature = hmac(hmac(salted, 'Server Key'), authMessage).toString('base64');
  return { message: `${withoutProof},p=${proof.toString('base64')}`, serverSignature };
}

/** Checks the server-final message ("v=<signature>") in constant time. */
export function scramVerifyServer(serverFinal: string, expected: string): boolean {
  const v = scramAttributes(serverFinal).get('v');
  if (!v) return false;
  const a = Buffer.from(v);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The legacy md5 password answer: "md5" + md5(md5(password + user) + salt). */
export function md5Password(user: string, password: string, salt: Buffer): string {
  const inner = createHash('md5').update(password + user).digest('hex');
  return 'md5' + createHash('md5').update(Buffer.concat([Buffer.from(inner), salt])).digest('hex');
}
