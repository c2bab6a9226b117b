// Token auth with two scopes (Bearer, or Basic with the token as the password). Tokens come from the environment (local) or from SSM Parameter Store
// SecureStrings (AWS), and are compared in constant time (as SHA-256 digests, so length leaks nothing).
import { createHash, timingSafeEqual } from 'node:crypto';
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { config } from '../config';
import { containerCaches, type TokenDigests } from '../containerCache';

export type Scope = 'admin' | 'publisher';

const digest = (token: string) => createHash('sha256').update(token, 'utf8').digest();
const parseList = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((token) => token.trim())
    .filter(Boolean);

async function loadDigests(): Promise<TokenDigests> {
  const names = [config.adminTokensParameter, config.publisherTokensParameter].filter((name): name is string => Boolean(name));
  // Environment tokens win: that is how local runs and tests are set up.
  if (config.adminTokens.length > 0 || names.length === 0) {
    return { admin: config.adminTokens.map(digest), publisher: config.publisherTokens.map(digest) };
  }
  return containerCaches.tokenDigests.get('tokens', async () => {
    const ssm = await containerCaches.awsClients.ssm.get('ssm', async () => new SSMClient({ region: config.region }));
    const result = await ssm.send(new GetParametersCommand({ Names: names, WithDecryption: true }));
    const value = (name: string | undefined) => result.Parameters?.find((parameter) => parameter.Name === name)?.Value;
    return {
      admin: parseList(value(config.adminTokensParameter)).map(digest),
      publisher: parseList(value(config.publisherTokensParameter)).map(digest),
    };
  });
}

function matchesAny(candidate: Buffer, digests: Buffer[]): boolean {
  // every digest is compared, so timing does not tell which list (or position) matched
  return digests.reduce((found, known) => timingSafeEqual(candidate, known) || found, false);
}

export async function scopeOfToken(token: string): Promise<Scope | undefined> {
  const digests = await loadDigests();
  const candidate = digest(token);
  const isAdmin = matchesAny(candidate, digests.admin);
  const isPublisher = matchesAny(candidate, digests.publisher);
  if (isAdmin) return 'admin';
  if (isPublisher) return 'publisher';
  return undefined;
}

/** What the authorizer decided for a request; the functions answer a refusal in the error envelope. */
export type Verdict = { allowed: true; scope: Scope } | { allowed: false; code: 'Unauthorized' | 'Forbidden'; message: string };

/** The token of `Bearer <token>`, or of `Basic base64(<any user>:<token>)` for tools that only send Basic auth. */
function tokenOf(authorizationHeader: string | undefined): string | undefined {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorizationHeader ?? '');
  if (bearer) return bearer[1];
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorizationHeader ?? '');
  if (!basic) return undefined;
  const credentials = Buffer.from(basic[1], 'base64').toString('utf8');
  const password = credentials.slice(credentials.indexOf(':') + 1);
  return credentials.includes(':') && password ? password : undefined;
}

/** Admin tokens may do everything; publisher tokens may only publish events. */
export async function verdictFor(authorizationHeader: string | undefined, required: Scope): Promise<Verdict> {
  const token = tokenOf(authorizationHeader);
  if (!token)
    return {
      allowed: false,
      code: 'Unauthorized',
      message: 'Send an Authorization: Bearer <token> header (or Basic auth with the token as the password)',
    };
  const scope = await scopeOfToken(token);
  if (!scope) return { allowed: false, code: 'Unauthorized', message: 'The token is not valid' };
  if (required === 'admin' && scope !== 'admin')
    return { allowed: false, code: 'Forbidden', message: 'This endpoint needs an admin token' };
  return { allowed: true, scope };
}
