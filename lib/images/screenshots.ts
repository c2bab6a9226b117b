// Report screenshots as an event brings them: base64 in the JSON body (or file parts of a multipart
// request, turned into the same shape), or URLs the BI platform hosts. Pure: decodes and checks each
// image by its bytes, so nothing of a refused event is stored or queued.
import { randomBytes } from 'node:crypto';
import { imageContentTypes } from '../../schemas/event';
import { payloadTooLarge, validationFailed } from '../errors';

export const maxImageBytes = 5 * 1024 * 1024;
export type ImageType = (typeof imageContentTypes)[number];

export type ImageInput = { name?: string; contentType: string; data: string } | { name?: string; url: string };

/** An image of the event as templates and records see it. `id` only for images this service stores. */
export interface ReportImage {
  name: string;
  url: string;
  id?: string;
  contentType?: ImageType;
  bytes?: number;
}

export interface UploadedImage {
  id: string;
  name: string;
  contentType: ImageType;
  body: Buffer;
}

/** The image type its first bytes say, whatever the publisher declared. */
export function sniffImageType(bytes: Buffer): ImageType | undefined {
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  const head = bytes.subarray(0, 6).toString('latin1');
  if (head === 'GIF87a' || head === 'GIF89a') return 'image/gif';
  return undefined;
}

/** 144 random bits, base64url: the id is the only thing that grants access to a stored image. */
export const newImageId = () => randomBytes(18).toString('base64url');

const base64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Decodes and checks every image; refuses the whole event (400, or 413 for size) naming the image.
 * Ids are reused from `existingIds` (a resumed intake stores the same objects again).
 */
export function acceptImages(
  images: ImageInput[],
  publicBaseUrl: string,
  existingIds: (string | undefined)[] = [],
): { images: ReportImage[]; uploads: UploadedImage[] } {
  const accepted: ReportImage[] = [];
  const uploads: UploadedImage[] = [];
  images.forEach((image, index) => {
    const path = `/images/${index}`;
    const label = `image ${index + 1}${image.name ? ` (${image.name})` : ''}`;
    if ('url' in image) {
      accepted.push({ name: image.name ?? `image-${index + 1}`, url: image.url });
      return;
    }
    const compact = image.data.replace(/\s+/g, '');
    if (compact.length % 4 === 1 || !base64.test(compact))
      throw validationFailed(`The data of ${label} is not base64`, [{ path: `${path}/data`, message: 'is not base64' }]);
    const body = Buffer.from(compact, 'base64');
    if (body.length > maxImageBytes)
      throw payloadTooLarge(`${label} is ${body.length} bytes decoded; the limit is ${maxImageBytes} (5 MB)`, [
        { path, message: `is ${body.length} bytes; at most ${maxImageBytes}` },
      ]);
    const actual = sniffImageType(body);
    if (!actual)
      throw validationFailed(`${label} is not a PNG, JPEG or GIF image (checked by its bytes)`, [
        { path, message: 'is not a PNG, JPEG or GIF image' },
      ]);
    if (actual !== image.contentType)
      throw validationFailed(`${label} is declared ${image.contentType} but its bytes are ${actual}`, [
        { path: `${path}/contentType`, message: `is ${image.contentType}, the bytes are ${actual}` },
      ]);
    const id = existingIds[index] ?? newImageId();
    const name = image.name ?? `image-${index + 1}.${actual.slice('image/'.length)}`;
    uploads.push({ id, name, contentType: actual, body });
    accepted.push({ id, name, url: `${publicBaseUrl}/images/${id}`, contentType: actual, bytes: body.length });
  });
  return { images: accepted, uploads };
}
