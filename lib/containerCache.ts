// Everything a Lambda container (or an npm start process) keeps between invocations is here, so a reader
// sees each piece of state that outlives a request, how long it lives, and why keeping it is safe:
//
// cache         key                  kept for     why that is safe
// tokenDigests  'tokens'             5 minutes    an instance token rotated in SSM takes effect within 5 minutes, no deploy
// apiTokens     token id             AUTH_CACHE_SECONDS (60; 0 under npm start)  a revoke takes effect within it (docs/teams.md)
// workspaces    id or slug           AUTH_CACHE_SECONDS   a workspace is never deleted; a rename shows that much later
// dingtalkApps  app id               60 seconds   an app's new secret or robot code is used by sends that much later
// awsClients    'kms' | 'ssm'        container    clients hold no data; made on first use, so only the functions that need them pay
// sealingKey    'sealing'            container    one KMS data key seals this container's writes; each value names its key
// dataKeys      key reference        container    a reference always names the same key
// usedNames     <ws>#robot|template  5 seconds    a name another container adds is found by keyword 5 s later; own writes forget it
// queueUrls     queue name           container    a queue's URL never changes
//
// A load that fails is not kept: the next call loads again.
import type { KMSClient } from '@aws-sdk/client-kms';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { config } from './config';
import type { ApiToken } from './domain/apiToken';
import type { Workspace } from './domain/workspace';
import type { DingTalkApp } from './domain/dingtalkApp';

export class ContainerCache<Key, Value> {
  private readonly entries = new Map<Key, { value: Promise<Value>; loadedAt: number }>();

  constructor(private readonly keepForMs: number) {}

  get(key: Key, load: () => Promise<Value>, now = Date.now()): Promise<Value> {
    const entry = this.entries.get(key);
    if (entry && now - entry.loadedAt < this.keepForMs) return entry.value;
    const value = load();
    this.entries.set(key, { value, loadedAt: now });
    value.catch(() => this.entries.get(key)?.value === value && this.entries.delete(key));
    return value;
  }

  /** Keeps a value learnt some other way (a data key KMS answered with its reference). */
  set(key: Key, value: Value, now = Date.now()): void {
    this.entries.set(key, { value: Promise.resolve(value), loadedAt: now });
  }

  forget(key: Key): void {
    this.entries.delete(key);
  }
}

export interface TokenDigests {
  admin: Buffer[];
  publisher: Buffer[];
}

export interface DataKey {
  plain: Buffer;
  /** How the key is named in a sealed value: `local`, or `kms.` and the KMS-encrypted key. */
  reference: string;
}

export interface UsedName {
  id: string;
  nameLower: string;
}

export const containerCaches = {
  tokenDigests: new ContainerCache<'tokens', TokenDigests>(5 * 60_000),
  apiTokens: new ContainerCache<string, ApiToken | undefined>(config.authCacheSeconds * 1000),
  workspaces: new ContainerCache<string, Workspace | undefined>(config.authCacheSeconds * 1000),
  dingtalkApps: new ContainerCache<string, DingTalkApp | undefined>(60_000),
  awsClients: {
    kms: new ContainerCache<'kms', KMSClient>(Infinity),
    ssm: new ContainerCache<'ssm', SSMClient>(Infinity),
  },
  sealingKey: new ContainerCache<'sealing', DataKey>(Infinity),
  dataKeys: new ContainerCache<string, Buffer>(Infinity),
  usedNames: new ContainerCache<string, UsedName[]>(5000),
  queueUrls: new ContainerCache<string, string>(Infinity),
};
