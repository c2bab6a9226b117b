import { acceptImages, sniffImageType } from '../../lib/images/screenshots';

const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]);
const gif = Buffer.from('GIF87a\x01\x00', 'latin1');

describe('sniffImageType', () => {
  it.each([
    ['PNG', png, 'image/png'],
    ['JPEG', jpeg, 'image/jpeg'],
    ['GIF87a', gif, 'image/gif'],
    ['text', Buffer.from('hello'), undefined],
    ['a PNG signature cut short', png.subarray(0, 7), undefined],
    ['nothing', Buffer.alloc(0), undefined],
  ])('%s', (_label, bytes, expected) => {
    expect(sniffImageType(bytes)).toBe(expected);
  });
});

describe('acceptImages', () => {
  it('gives stored images an unguessable id and a URL on the public origin, and passes URL images through', () => {
    const { images, uploads } = acceptImages(
      [
        { name: 'chart', url: 'https://bi.example.com/c.png' },
        { contentType: 'image/png', data: png.toString('base64') },
      ],
      'https://push.example.com',
    );
    expect(images[0]).toEqual({ name: 'chart', url: 'https://bi.example.com/c.png' });
    expect(images[1]).toMatchObject({ name: 'image-2.png', contentType: 'image/png', bytes: png.length });
    expect(images[1].url).toBe(`https://push.example.com/images/${images[1].id}`);
    expect(uploads).toHaveLength(1);
    expect(uploads[0].body.equals(png)).toBe(true);
    const again = acceptImages([{ contentType: 'image/png', data: png.toString('base64') }], 'https://push.example.com');
    expect(again.uploads[0].id).not.toBe(uploads[0].id);
  });

  it('reuses the ids a first attempt gave, position by position', () => {
    const { images } = acceptImages(
      [{ url: 'https://bi.example.com/c.png' }, { contentType: 'image/gif', data: gif.toString('base64') }],
      'http://127.0.0.1:3000',
      [undefined, 'kept-id-kept-id-kept-id1'],
    );
    expect(images[1].url).toBe('http://127.0.0.1:3000/images/kept-id-kept-id-kept-id1');
  });

  it('accepts base64 with line breaks, as many encoders write it', () => {
    const wrapped = png.toString('base64').replace(/(.{20})/g, '$1\n');
    expect(acceptImages([{ contentType: 'image/png', data: wrapped }], 'http://x').uploads[0].body.equals(png)).toBe(true);
  });

  it.each([
    [
      'bytes that are no image',
      [{ name: 'a.png', contentType: 'image/png', data: Buffer.from('text').toString('base64') }],
      /image 1 \(a\.png\) is not a PNG, JPEG or GIF/,
    ],
    [
      'a declared type that is not the bytes',
      [{ contentType: 'image/gif', data: jpeg.toString('base64') }],
      /declared image\/gif but its bytes are image\/jpeg/,
    ],
    ['data that is not base64', [{ contentType: 'image/png', data: 'not base64!' }], /not base64/],
    [
      'more than 5 MB decoded',
      [{ contentType: 'image/png', data: Buffer.concat([png, Buffer.alloc(5 * 1024 * 1024)]).toString('base64') }],
      /the limit is 5242880/,
    ],
  ])('refuses %s, naming the image', (_label, images, message) => {
    expect(() => acceptImages(images, 'http://x')).toThrow(message);
  });
});
