// Instance tokens (ADMIN_TOKENS, PUBLISHER_TOKENS): from the environment (local) or from SSM Parameter Store
// SecureStrings (AWS), compared in constant time (as SHA-256 digests, so length leaks nothing).
import { createHash, timingSafeEqual } from 'node:crypto';
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { config } from '../config';
import { containerCaches, type TokenDigests } from '../containerCache';

export type InstanceScope = 'admin' | 'publisher';

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

export async function instanceScopeOf(token: string): Promise<InstanceScope | undefined> {
  const digests = await loadDigests();
  const candidate = digest(token);
  const isAdmin = matchesAny(candidate, digests.admin);
  const isPublisher = matchesAny(candidate, digests.publisher);
  if (isAdmin) return 'admin';
  if (isPublisher) return 'publisher';
  return undefined;
}
