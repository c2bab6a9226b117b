// Credentials sealed at rest: webhook URLs (their access token) and signing secrets are stored encrypted
// with AES-256-GCM. The key is a data key from KMS in AWS (envelope encryption: the KMS-encrypted data key
// travels with each value; SECRETS_KMS_KEY_ID) or, locally, a key file in DATA_DIR (SECRETS_KEY_FILE).
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DecryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { config } from '../config';

const prefix = 'sealed:v1:';

export const isSealed = (value: string) => value.startsWith(prefix);

interface DataKey {
  plain: Buffer;
  /** How the key is named in a sealed value: `local`, or `kms.` and the KMS-encrypted key. */
  reference: string;
}

let kms: KMSClient | undefined;
const kmsClient = () => (kms ??= new KMSClient({ region: config.region }));

/** The key new values are sealed with: the local key file's, or one data key per container from KMS. */
let sealingKey: Promise<DataKey> | undefined;
/** Data keys already opened, by their reference. */
const openedKeys = new Map<string, Promise<Buffer>>();

function localKey(): Buffer {
  if (!config.secretsKeyFile)
    throw new Error('No key to seal credentials with: set SECRETS_KMS_KEY_ID (AWS) or SECRETS_KEY_FILE (npm start sets it)');
  const key = Buffer.from(readFileSync(config.secretsKeyFile, 'utf8').trim(), 'base64');
  if (key.length !== 32) throw new Error(`SECRETS_KEY_FILE ${config.secretsKeyFile} does not hold a 32-byte base64 key`);
  return key;
}

function keyForSealing(): Promise<DataKey> {
  sealingKey ??= (async () => {
    // a key file wins: serverless-offline hands the functions serverless.yml's KMS key reference too
    if (config.secretsKeyFile || !config.secretsKmsKeyId) return { plain: localKey(), reference: 'local' };
    const { Plaintext, CiphertextBlob } = await kmsClient().send(
      new GenerateDataKeyCommand({ KeyId: config.secretsKmsKeyId, KeySpec: 'AES_256' }),
    );
    const reference = `kms.${Buffer.from(CiphertextBlob as Uint8Array).toString('base64url')}`;
    openedKeys.set(reference, Promise.resolve(Buffer.from(Plaintext as Uint8Array)));
    return { plain: Buffer.from(Plaintext as Uint8Array), reference };
  })();
  sealingKey.catch(() => (sealingKey = undefined));
  return sealingKey;
}

function keyForOpening(reference: string): Promise<Buffer> {
  let key = openedKeys.get(reference);
  if (!key) {
    key =
      reference === 'local'
        ? Promise.resolve(localKey())
        : kmsClient()
            .send(new DecryptCommand({ CiphertextBlob: Buffer.from(reference.slice('kms.'.length), 'base64url') }))
            .then(({ Plaintext }) => Buffer.from(Plaintext as Uint8Array));
    key.catch(() => openedKeys.delete(reference));
    openedKeys.set(reference, key);
  }
  return key;
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
