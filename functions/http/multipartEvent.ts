// An event sent as multipart/form-data: a part `event` with the JSON event, and one file part per image.
// Turned into the JSON shape (images as base64), so one schema and one check judge both.
import busboy from 'busboy';
import { badRequest, payloadTooLarge } from '../../lib/errors';
import { maxImageBytes, sniffImageType } from '../../lib/images/screenshots';
import { imageContentTypes, maxImagesPerEvent } from '../../schemas/event';

interface FilePart {
  name: string;
  declaredType: string;
  bytes: Buffer;
  truncated: boolean;
}

export function parseMultipartEvent(raw: Buffer, contentType: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let eventText: string | undefined;
    const files: FilePart[] = [];
    const reading: Promise<void>[] = [];
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: { 'content-type': contentType }, limits: { files: maxImagesPerEvent + 1, fileSize: maxImageBytes + 1, fields: 5, fieldSize: 1024 * 1024 } });
    } catch (error) {
      reject(badRequest(`The multipart body cannot be read: ${(error as Error).message}`));
      return;
    }
    parser.on('field', (name, value) => {
      if (name === 'event') eventText = value;
    });
    parser.on('file', (name, stream, info) => {
      const chunks: Buffer[] = [];
      reading.push(
        new Promise((done) => {
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('close', () => {
            const bytes = Buffer.concat(chunks);
            // the event itself may come as a file part (curl -F event=@event.json)
            if (name === 'event') eventText = bytes.toString('utf8');
            else files.push({ name: info.filename || name, declaredType: info.mimeType, bytes, truncated: (stream as unknown as { truncated: boolean }).truncated });
            done();
          });
        }),
      );
    });
    parser.on('filesLimit', () => reject(badRequest(`An event carries at most ${maxImagesPerEvent} images`, [{ path: '/images', message: `has more than ${maxImagesPerEvent} items` }])));
    parser.on('error', (error: Error) => reject(badRequest(`The multipart body cannot be read: ${error.message}`)));
    parser.on('close', () => {
      void Promise.all(reading).then(() => {
        if (eventText === undefined) return reject(badRequest('A multipart event needs a part named "event" holding the JSON event', [{ path: '/event', message: 'is missing' }]));
        let event: unknown;
        try {
          event = JSON.parse(eventText);
        } catch (error) {
          return reject(badRequest(`The "event" part is not valid JSON: ${(error as Error).message}`, [{ path: '/event', message: 'is not valid JSON' }]));
        }
        if (typeof event !== 'object' || event === null || Array.isArray(event)) return reject(badRequest('The "event" part must hold a JSON object', [{ path: '/event', message: 'is not an object' }]));
        const listed = Array.isArray((event as { images?: unknown }).images) ? ((event as { images: unknown[] }).images) : [];
        const offset = listed.length;
        const oversized = files.findIndex((file) => file.truncated);
        if (oversized >= 0) return reject(payloadTooLarge(`image ${offset + oversized + 1} (${files[oversized].name}) is over ${maxImageBytes} bytes (5 MB)`, [{ path: `/images/${offset + oversized}`, message: `is over ${maxImageBytes} bytes` }]));
        const images = files.map((file) => ({
          name: file.name,
          // a declared image type must match the bytes; a generic one (application/octet-stream) leaves it to them
          contentType: (imageContentTypes as readonly string[]).includes(file.declaredType) ? file.declaredType : (sniffImageType(file.bytes) ?? file.declaredType),
          data: file.bytes.toString('base64'),
        }));
        resolve({ ...event, images: [...listed, ...images] });
      });
    });
    parser.end(raw);
  });
}
