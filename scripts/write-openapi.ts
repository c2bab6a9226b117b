// Writes the OpenAPI document the service serves to docs/openapi.json (`npm run openapi`); a test fails
// while the committed copy differs from what the code builds.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildOpenApiDocument } from '../lib/openapi';

export const committedDocumentPath = join(__dirname, '..', 'docs', 'openapi.json');

if (require.main === module) {
  writeFileSync(committedDocumentPath, `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`);
  console.log(`wrote ${committedDocumentPath}`);
}
