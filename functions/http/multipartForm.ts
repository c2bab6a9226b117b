// Bodies sent as multipart/form-data: read once into fields and files, then shaped into the JSON body the
// route's schema judges (images as base64), so one schema and one check judge both forms.
import { refuseProtoKeys } from '../../lib/validation/validate';
import busboy from 'busboy';
import { badRequest, payloadTooLarge } from '../../lib/errors';
import { maxImageBytes, sniffImageType } from '../../lib/images/screenshots';
import { imageContentTypes, maxImagesPerEvent } from '../../schemas/event';

interface FilePart {
  field: string;
  name: string;
  declaredType: string;
  bytes: Buffer;
  truncated: boolean;
}

export interface MultipartForm {
  fields: Record<string, string>;
  files: FilePart[];
}

/** Files beyond the images an event takes: Superset sends its CSV, XLSX or PDF beside the screenshots. */
const maxFileParts = 10;

export function readMultipartForm(raw: Buffer, contentType: string): Promise<MultipartForm> {
  return new Promise((resolve, reject) => {
    const fields: Record<string, string> = {};
    const files: FilePart[] = [];
    const reading: Promise<void>[] = [];
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: { 'content-type': contentType },
        limits: { files: maxFileParts, fileSize: maxImageBytes + 1, fields: 20, fieldSize: 1024 * 1024 },
      });
    } catch (error) {
      reject(badRequest(`The multipart body cannot be read: ${(error as Error).message}`));
      return;
    }
    parser.on('field', (name, value) => {
      fields[name] = value;
    });
    parser.on('file', (field, stream, info) => {
      const chunks: Buffer[] = [];
      reading.push(
        new Promise((done) => {
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('close', () => {
            files.push({
              field,
              name: info.filename || field,
              declaredType: info.mimeType,
              bytes: Buffer.concat(chunks),
              truncated: (stream as unknown as { truncated: boolean }).truncated,
            });
            done();
          });
        }),
      );
    });
    parser.on('filesLimit', () =>
      reject(
        badRequest(`A multipart body carries at most ${maxFileParts} files`, [
          { path: '/images', message: `has more than ${maxFileParts} files` },
        ]),
      ),
    );
    parser.on('error', (error: Error) => reject(badRequest(`The multipart body cannot be read: ${error.message}`)));
    parser.on('close', () => void Promise.all(reading).then(() => resolve({ fields, files })));
    parser.end(raw);
  });
}

/** File parts as images of the event, at `offset` in its `images`; an image over 5 MB is refused by name. */
function imagesOf(files: FilePart[], offset: number) {
  const oversized = files.findIndex((file) => file.truncated);
  if (oversized >= 0)
    throw payloadTooLarge(`image ${offset + oversized + 1} (${files[oversized].name}) is over ${maxImageBytes} bytes (5 MB)`, [
      { path: `/images/${offset + oversized}`, message: `is over ${maxImageBytes} bytes` },
    ]);
  return files.map((file) => ({
    name: file.name,
    // a declared image type must match the bytes; a generic one (application/octet-stream) leaves it to them
    contentType: (imageContentTypes as readonly string[]).includes(file.declaredType)
      ? file.declaredType
      : (sniffImageType(file.bytes) ?? file.declaredType),
    data: file.bytes.toString('base64'),
  }));
}

function jsonObject(text: string, part: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw badRequest(`The "${part}" part is not valid JSON: ${(error as Error).message}`, [
      { path: `/${part}`, message: 'is not valid JSON' },
    ]);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw badRequest(`The "${part}" part must hold a JSON object`, [{ path: `/${part}`, message: 'is not an object' }]);
  refuseProtoKeys(value, `/${part}`);
  return value as Record<string, unknown>;
}

/** A report event: a part `event` with the JSON event (a field, or a file as curl -F event=@event.json sends it) and one file part per image. */
export function eventFromForm(form: MultipartForm): unknown {
  const eventFile = form.files.find((file) => file.field === 'event');
  const eventText = form.fields.event ?? eventFile?.bytes.toString('utf8');
  if (eventText === undefined)
    throw badRequest('A multipart event needs a part named "event" holding the JSON event', [{ path: '/event', message: 'is missing' }]);
  const event = jsonObject(eventText, 'event');
  const listed = Array.isArray(event.images) ? (event.images as unknown[]) : [];
  const files = form.files.filter((file) => file !== eventFile);
  if (listed.length + files.length > maxImagesPerEvent)
    throw badRequest(`An event carries at most ${maxImagesPerEvent} images`, [
      { path: '/images', message: `has more than ${maxImagesPerEvent} items` },
    ]);
  return { ...event, images: [...listed, ...imagesOf(files, listed.length)] };
}

/**
 * Superset's webhook with attachments (superset/reports/notifications/webhook.py): its fields as form
 * fields, `header` as JSON text, files under `files`. The screenshots become images (the first five;
 * `screenshotsOmitted` counts the rest); its CSV, XLSX and PDF are not pushed to the group.
 */
export function supersetFromForm(form: MultipartForm): unknown {
  const { header, ...fields } = form.fields;
  const screenshots = form.files.filter((file) => file.declaredType.startsWith('image/') || sniffImageType(file.bytes));
  const kept = screenshots.slice(0, maxImagesPerEvent);
  return {
    ...fields,
    ...(header !== undefined && { header: jsonObject(header, 'header') }),
    ...(kept.length > 0 && { images: imagesOf(kept, 0) }),
    ...(screenshots.length > kept.length && { screenshotsOmitted: screenshots.length - kept.length }),
  };
}
