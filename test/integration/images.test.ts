// Report screenshots: an event's images stored once in the (fauxqs) S3 bucket, pushed as URLs, served
// open by an unguessable id; bad images refused with nothing stored or queued.
import { randomUUID } from 'node:crypto';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { api } from '../support/api';
import { publisherToken } from '../support/environment';
import { simulator } from '../support/simulator';
import { waitFor } from '../support/waitFor';
import { startWorker } from '../support/worker';

// a 1x1 PNG, and its bytes
const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
const gif = Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1');
const s3 = new S3Client({
  endpoint: process.env.S3_ENDPOINT,
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  forcePathStyle: true,
});
let worker: ReturnType<typeof startWorker>;

beforeAll(() => {
  worker = startWorker();
});
afterAll(async () => {
  await worker.stop();
  s3.destroy();
});

async function storedObjects(): Promise<string[]> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: process.env.IMAGES_BUCKET }));
  return (listed.Contents ?? []).map((object) => object.Key!);
}

async function robotsFor(reportId: string, count: number) {
  const template = await api('POST', '/templates', {
    body: {
      name: `Shot ${randomUUID()}`,
      msgType: 'markdown',
      title: '{{reportName}}',
      text: '## {{reportName}}\n\n![{{image.name}}]({{{image.url}}})\n\n{{#images}}- {{{url}}}\n{{/images}}',
    },
  });
  expect(template.status).toBe(201);
  return Promise.all(
    Array.from({ length: count }, async () => {
      const registered = await simulator.registerRobot();
      const robot = await api('POST', '/robots', {
        body: { name: `Shot robot ${randomUUID()}`, webhookUrl: registered.webhookUrl, templateId: template.body.id, reports: [reportId] },
      });
      expect(robot.status).toBe(201);
      return { ...registered, id: robot.body.id as string };
    }),
  );
}

function publish(body: Record<string, unknown>) {
  return api('POST', '/events/report-ready', {
    token: publisherToken,
    body: { eventId: randomUUID(), reportName: 'Sales dashboard', ...body },
  });
}

function multipart(
  event: Record<string, unknown>,
  files: { name: string; type: string; bytes: Buffer }[],
): { bytes: Buffer; contentType: string } {
  const boundary = `----dingpush${randomUUID()}`;
  const parts: Buffer[] = [
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="event"\r\nContent-Type: application/json\r\n\r\n${JSON.stringify(event)}\r\n`,
    ),
  ];
  for (const file of files)
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="screenshot"; filename="${file.name}"\r\nContent-Type: ${file.type}\r\n\r\n`,
      ),
      file.bytes,
      Buffer.from('\r\n'),
    );
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { bytes: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

describe('report screenshots', () => {
  it('stores a PNG once, pushes its URL to every robot, serves the same bytes without a token, and a resend reuses it', async () => {
    const reportId = `shots-${randomUUID()}`;
    const robots = await robotsFor(reportId, 3);
    const before = await storedObjects();
    const event = { eventId: randomUUID(), reportId, images: [{ name: 'revenue.png', contentType: 'image/png', data: png }] };
    const published = await publish(event);
    expect(published.status).toBe(202);
    expect(published.body.jobs).toBe(3);
    const messages = await Promise.all(
      robots.map((robot) =>
        waitFor(
          () => simulator.messages(robot.token),
          (items) => items.length === 1,
          { what: 'the screenshot push' },
        ),
      ),
    );
    const urls = messages.map(([message]) => /!\[revenue\.png\]\((\S+)\)/.exec((message.body.markdown as { text: string }).text)?.[1]);
    expect(new Set(urls).size).toBe(1);
    const url = new URL(urls[0]!);
    expect(url.origin).toBe(process.env.PUBLIC_BASE_URL);
    const id = url.pathname.split('/').pop()!;
    // at least 128 bits: 144 random bits in base64url
    expect(id).toMatch(/^[A-Za-z0-9_-]{24}$/);
    const served = await api('GET', `/images/${id}`, { token: null });
    expect(served.status).toBe(200);
    expect(served.bytes?.equals(Buffer.from(png, 'base64'))).toBe(true);
    expect(served.headers?.['content-type']).toBe('image/png');
    const stored = await storedObjects();
    expect(stored.filter((key) => !before.includes(key))).toEqual([`images/${id}`]);
    // a retry of the same event stores nothing more
    expect((await publish(event)).body.duplicate).toBe(true);
    expect(await storedObjects()).toEqual(stored);
    // the resend renders the same stored image
    const [record] = (await api('GET', `/push-records?eventId=${event.eventId}&robotId=${robots[0].id}`)).body.items;
    expect((await api('POST', `/push-records/${record.id}/resend`)).status).toBe(202);
    const [, again] = await waitFor(
      () => simulator.messages(robots[0].token),
      (items) => items.length === 2,
      { what: 'the resent push' },
    );
    expect((again.body.markdown as { text: string }).text).toContain(url.href);
    expect(await storedObjects()).toEqual(stored);
  });

  it('serves the bytes with their content type and cache headers, and 404 for an id it never gave out', async () => {
    const reportId = `shots-${randomUUID()}`;
    const [robot] = await robotsFor(reportId, 1);
    expect((await publish({ reportId, images: [{ contentType: 'image/gif', data: gif.toString('base64') }] })).status).toBe(202);
    const [message] = await waitFor(
      () => simulator.messages(robot.token),
      (items) => items.length === 1,
      { what: 'the gif push' },
    );
    const id = /\/images\/([\w-]+)\)/.exec((message.body.markdown as { text: string }).text)![1];
    const { handler } = require('../../functions/images') as {
      handler: (
        event: unknown,
        context: unknown,
      ) => Promise<{ statusCode: number; headers: Record<string, string>; body: string; isBase64Encoded: boolean }>;
    };
    const response = await handler(
      {
        version: '2.0',
        routeKey: 'GET /images/{id}',
        rawPath: `/images/${id}`,
        headers: {},
        pathParameters: { id },
        requestContext: { http: { method: 'GET', path: `/images/${id}` } },
      },
      { awsRequestId: 'test' },
    );
    expect(response.statusCode).toBe(200);
    expect(response.isBase64Encoded).toBe(true);
    expect(Buffer.from(response.body, 'base64').equals(gif)).toBe(true);
    expect(response.headers['content-type']).toBe('image/gif');
    expect(response.headers['cache-control']).toMatch(/max-age=\d+/);
    expect((await api('GET', `/images/${randomUUID().replace(/-/g, '').slice(0, 24)}`, { token: null })).status).toBe(404);
    expect((await api('GET', '/images/..%2F..%2Fetc', { token: null })).status).toBe(404);
  });

  it('takes screenshots as multipart/form-data file parts, and passes URL images through unfetched', async () => {
    const reportId = `shots-${randomUUID()}`;
    const [robot] = await robotsFor(reportId, 1);
    const body = multipart(
      {
        eventId: randomUUID(),
        reportId,
        reportName: 'Multipart',
        images: [{ name: 'hosted.png', url: 'https://bi.example.com/hosted.png' }],
      },
      [{ name: 'chart.png', type: 'application/octet-stream', bytes: Buffer.from(png, 'base64') }],
    );
    const response = await api('POST', '/events/report-ready', {
      token: publisherToken,
      bodyBytes: body.bytes,
      contentType: body.contentType,
    });
    expect(response.status).toBe(202);
    const [message] = await waitFor(
      () => simulator.messages(robot.token),
      (items) => items.length === 1,
      { what: 'the multipart push' },
    );
    const text = (message.body.markdown as { text: string }).text;
    expect(text).toContain('![hosted.png](https://bi.example.com/hosted.png)');
    const stored = /- (http:\/\/127\.0\.0\.1:9\/images\/[\w-]+)/.exec(text)![1];
    // the file part declared application/octet-stream: its bytes made it a PNG
    const served = await api('GET', new URL(stored).pathname, { token: null });
    expect(served.headers?.['content-type']).toBe('image/png');
    expect(served.bytes?.equals(Buffer.from(png, 'base64'))).toBe(true);
    // the simulator fetches only this machine's URLs: the hosted one is recorded as not fetched
    expect(message.images.find((image) => image.url.startsWith('https://'))?.skipped).toMatch(/only reaches this machine/);
  });

  it.each([
    [
      'a text file declared image/png',
      () => ({
        images: [{ name: 'notes.png', contentType: 'image/png', data: Buffer.from('just some text, not a picture').toString('base64') }],
      }),
      400,
      /image 1 \(notes\.png\) is not a PNG, JPEG or GIF/,
    ],
    [
      'a PNG declared image/jpeg',
      () => ({ images: [{ contentType: 'image/jpeg', data: png }] }),
      400,
      /declared image\/jpeg but its bytes are image\/png/,
    ],
    ['data that is not base64', () => ({ images: [{ contentType: 'image/png', data: '***' }] }), 400, /not base64/],
    ['six images', () => ({ images: Array.from({ length: 6 }, () => ({ contentType: 'image/png', data: png })) }), 400, /images/],
    [
      'a 6 MB image',
      () => ({
        images: [
          { contentType: 'image/png', data: Buffer.concat([Buffer.from(png, 'base64'), Buffer.alloc(6 * 1024 * 1024)]).toString('base64') },
        ],
      }),
      413,
      /bytes; the limit is/,
    ],
  ])('refuses %s, and stores and queues nothing', async (_label, images, status, message) => {
    const reportId = `shots-${randomUUID()}`;
    const [robot] = await robotsFor(reportId, 1);
    const before = await storedObjects();
    const eventId = randomUUID();
    const response = await publish({ eventId, reportId, ...images() });
    expect(response.status).toBe(status);
    expect(response.body.error.message).toMatch(message);
    expect(await storedObjects()).toEqual(before);
    // the eventId was never taken: the corrected event goes through
    expect((await publish({ eventId, reportId })).status).toBe(202);
    await waitFor(
      () => simulator.messages(robot.token),
      (items) => items.length === 1,
      { what: 'the corrected event' },
    );
  });

  it('refuses a multipart image over 5 MB naming it, and a multipart body without its event part', async () => {
    const reportId = `shots-${randomUUID()}`;
    const big = multipart({ eventId: randomUUID(), reportId, reportName: 'Big' }, [
      { name: 'huge.png', type: 'image/png', bytes: Buffer.concat([Buffer.from(png, 'base64'), Buffer.alloc(5 * 1024 * 1024 + 10)]) },
    ]);
    const refused = await api('POST', '/events/report-ready', {
      token: publisherToken,
      bodyBytes: big.bytes,
      contentType: big.contentType,
    });
    expect(refused.status).toBe(413);
    expect(refused.body.error.message).toMatch(/image 1 \(huge\.png\) is over 5242880 bytes/);
    const headless = multipart({}, []);
    const noEvent = await api('POST', '/events/report-ready', {
      token: publisherToken,
      bodyBytes: Buffer.from(headless.bytes.toString().replace('name="event"', 'name="other"')),
      contentType: headless.contentType,
    });
    expect(noEvent.status).toBe(400);
    expect(noEvent.body.error.message).toMatch(/part named "event"/);
  });
});
