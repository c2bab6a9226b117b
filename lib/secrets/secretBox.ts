// Credentials sealed at rest: webhook URLs (their access token) and signing secrets are stored encrypted
// with AES-256-GCM. The key is a data key from KMS in AWS (envelope encryption: the KMS-encrypted data key
// travels with each value; SECRETS_KMS_KEY_ID) or, locally, a key file in DATA_DIR (SECRETS_KEY_FILE).
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DecryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { config } from '../config';
import { containerCaches, type DataKey } from '../containerCache';

const prefix = 'sealed:v1:';

export const isSealed = (value: string) => value.startsWith(prefix);

const kms = () => containerCaches.awsClients.kms.get('kms', async () => new KMSClient({ region: config.region }));

function localKey(): Buffer {
  if (!config.secretsKeyFile)
    throw new Error('No key to seal credentials with: set SECRETS_KMS_KEY_ID (AWS) or SECRETS_KEY_FILE (npm start sets it)');
  const key = Buffer.from(readFileSync(config.secretsKeyFile, 'utf8').trim(), 'base64');
  if (key.length !== 32) throw new Error(`SECRETS_KEY_FILE ${config.secretsKeyFile} does not hold a 32-byte base64 key`);
  return key;
}

/** The key new values are sealed with: the local key file's, or one data key per container from KMS. */
function keyForSealing(): Promise<DataKey> {
  return containerCaches.sealingKey.get('sealing', async () => {
    // a key file wins: serverless-offline hands the functions serverless.yml's KMS key reference too
    if (config.secretsKeyFile || !config.secretsKmsKeyId) return { plain: localKey(), reference: 'local' };
    const { Plaintext, CiphertextBlob } = await (
      await kms()
    ).send(new GenerateDataKeyCommand({ KeyId: config.secretsKmsKeyId, KeySpec: 'AES_256' }));
    const key = {
      plain: Buffer.from(Plaintext as Uint8Array),
      reference: `kms.${Buffer.from(CiphertextBlob as Uint8Array).toString('base64url')}`,
    };
    containerCaches.dataKeys.set(key.reference, key.plain);
    return key;
  });
}

function keyForOpening(reference: string): Promise<Buffer> {
  return containerCaches.dataKeys.get(reference, async () => {
    if (reference === 'local') return localKey();
    const { Plaintext } = await (
      await kms()
    ).send(new DecryptCommand({ CiphertextBlob: Buffer.from(reference.slice('kms.'.length), 'base64url') }));
    return Buffer.from(Plaintext as Uint8Array);
  });
}

export async function seal(plain: string): Promise<string> {
  if (isSealed(plain)) return plain;
  const key = await keyForSealing();
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key.plain, iv);
  const sealed = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `${prefix}${key.reference}:${iv.toString('base64url')}:${sealed.toString('base64url')}`;
}

export async function open(value: string): Promise<string> {
  // a plain credential at rest is a bug (every write seals), not a shape to read
  if (!isSealed(value)) throw new Error('A stored credential is not sealed; nothing was sent with it');
  const [reference, iv, sealed] = value.slice(prefix.length).split(':');
  const data = Buffer.from(sealed, 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', await keyForOpening(reference), Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(data.subarray(data.length - 16));
  return Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]).toString('utf8');
}
