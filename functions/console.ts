// HTTP: the admin web console (GET / and its assets), static files served by the API's own origin.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import middy from '@middy/core';
import { config } from '../lib/config';

// In Lambda the files sit beside the bundle (package.patterns); locally, in the project.
const root = [process.env.LAMBDA_TASK_ROOT, process.cwd(), join(__dirname, '..')]
  .filter((directory): directory is string => Boolean(directory))
  .map((directory) => join(directory, 'console'))
  .find((directory) => existsSync(join(directory, 'index.html'))) as string;
const assets: Record<string, { files: string[]; type: string }> = {
  '/': { files: ['index.html'], type: 'text/html; charset=utf-8' },
  // the words first (app.js reads them), the page's start last: five classic scripts, one request
  '/console/app.js': { files: ['words.js', 'app.js', 'teams.js', 'apps.js', 'start.js'], type: 'text/javascript; charset=utf-8' },
};
// read once per container; the files are part of the deployment package
const bodies = new Map(
  Object.entries(assets).map(([path, asset]) => [path, asset.files.map((file) => readFileSync(join(root, file), 'utf8')).join('\n')]),
);

export const handler = middy(async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const imageOrigin = config.publicBaseUrl ? ` ${new URL(config.publicBaseUrl).origin}` : '';
  const path = event.rawPath === '/console/{file}' ? '/' : event.rawPath;
  const asset = assets[path];
  if (!asset) return { statusCode: 404, headers: { 'content-type': 'text/plain' }, body: 'Not found' };
  return {
    statusCode: 200,
    headers: {
      'content-type': asset.type,
      'cache-control': 'no-cache',
      // the console talks to its own origin only; pictures may come from pushed URLs (the images' origin
      // may be another name of this API, as npm start's http://127.0.0.1 is for a console on localhost)
      'content-security-policy': `default-src 'self'; img-src 'self' https: data:${imageOrigin}; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'`,
      'x-content-type-options': 'nosniff',
    },
    body: bodies.get(path),
  };
});
