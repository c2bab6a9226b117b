// HTTP: GET /images/{id} (open: the unguessable id is the only thing that grants access). The chat
// services' clients fetch pushed screenshots from here, possibly days later.
import { notFound } from '../lib/errors';
import { imagesStore } from '../lib/store/imagesStore';
import { BinaryBody, httpFunction } from './http/httpFunction';

export const handler = httpFunction('images', {
  getImage: async ({ pathParameters }) => {
    const image = /^[A-Za-z0-9_-]{22,64}$/.test(pathParameters.id) ? await imagesStore.get(pathParameters.id) : undefined;
    if (!image) throw notFound(`No image with id ${pathParameters.id} (unknown, or past the record retention)`);
    // an id never names other bytes: clients and proxies may keep it
    return new BinaryBody(image.body, image.contentType, {
      'cache-control': 'public, max-age=86400, immutable',
      'x-content-type-options': 'nosniff',
    });
  },
});
