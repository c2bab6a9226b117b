// Stored report screenshots: one S3 object per image of an event (however many robots receive it),
// kept as long as the push records. S3's lifecycle rule deletes them in AWS; the expiry written with
// each object makes them 404 on time everywhere (the local emulator has no lifecycle).
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { s3 } from '../aws/clients';
import { config } from '../config';
import type { UploadedImage } from '../images/screenshots';

const keyOf = (id: string) => `images/${id}`;

export const imagesStore = {
  /** Writes each image (a write of an id already stored writes the same bytes again). */
  async putAll(images: UploadedImage[]): Promise<void> {
    const expiresAt = new Date(Date.now() + config.recordRetentionDays * 86_400_000).toISOString();
    await Promise.all(
      images.map((image) =>
        s3.send(
          new PutObjectCommand({
            Bucket: config.imagesBucket,
            Key: keyOf(image.id),
            Body: image.body,
            ContentType: image.contentType,
            Metadata: { 'expires-at': expiresAt },
          }),
        ),
      ),
    );
  },

  async get(id: string): Promise<{ body: Buffer; contentType: string } | undefined> {
    try {
      const object = await s3.send(new GetObjectCommand({ Bucket: config.imagesBucket, Key: keyOf(id) }));
      const expiresAt = object.Metadata?.['expires-at'];
      if (expiresAt && Date.parse(expiresAt) <= Date.now()) return undefined;
      return {
        body: Buffer.from(await object.Body!.transformToByteArray()),
        contentType: object.ContentType ?? 'application/octet-stream',
      };
    } catch (error) {
      if ((error as Error).name === 'NoSuchKey' || (error as Error).name === 'NotFound') return undefined;
      throw error;
    }
  },
};
