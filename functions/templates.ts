// HTTP: /templates
import {
  createFromStarterSchema,
  draftPreviewSchema,
  listTemplatesQuerySchema,
  templateInputSchema,
  templatePreviewSchema,
  type CreateFromStarterInput,
  type DraftPreviewInput,
  type ListTemplatesQuery,
  type TemplateInput,
  type TemplatePreviewInput,
} from '../schemas/template';
import { starters } from '../lib/templates/starters';
import {
  createTemplate,
  createTemplateFromStarter,
  deleteTemplate,
  getTemplate,
  listTemplates,
  previewDraft,
  previewTemplate,
  replaceTemplate,
} from '../lib/templates/templateService';
import { validateBody, validateQuery } from '../lib/validation/validate';
import { httpFunction } from './http/httpFunction';

export const handler = httpFunction({
  'GET /template-starters': {
    scope: 'admin',
    handle: async () => ({ status: 200, body: { items: starters } }),
  },
  'POST /template-starters/{id}': {
    scope: 'admin',
    handle: async ({ pathParameters, body }) => ({
      status: 201,
      body: await createTemplateFromStarter(pathParameters.id, validateBody<CreateFromStarterInput>(createFromStarterSchema, body ?? {})),
    }),
  },
  'POST /templates': {
    scope: 'admin',
    handle: async ({ body }) => ({ status: 201, body: await createTemplate(validateBody<TemplateInput>(templateInputSchema, body)) }),
  },
  'GET /templates': {
    scope: 'admin',
    handle: async ({ query }) => ({
      status: 200,
      body: await listTemplates(validateQuery<ListTemplatesQuery>(listTemplatesQuerySchema, query)),
    }),
  },
  'GET /templates/{id}': {
    scope: 'admin',
    handle: async ({ pathParameters }) => ({ status: 200, body: await getTemplate(pathParameters.id) }),
  },
  'PUT /templates/{id}': {
    scope: 'admin',
    handle: async ({ pathParameters, body }) => ({
      status: 200,
      body: await replaceTemplate(pathParameters.id, validateBody<TemplateInput>(templateInputSchema, body)),
    }),
  },
  'DELETE /templates/{id}': {
    scope: 'admin',
    handle: async ({ pathParameters }) => {
      await deleteTemplate(pathParameters.id);
      return { status: 204 };
    },
  },
  'POST /templates/{id}/preview': {
    scope: 'admin',
    handle: async ({ pathParameters, body }) => ({
      status: 200,
      body: await previewTemplate(pathParameters.id, validateBody<TemplatePreviewInput>(templatePreviewSchema, body ?? {})),
    }),
  },
  'POST /template-previews': {
    scope: 'admin',
    handle: async ({ body }) => ({ status: 200, body: await previewDraft(validateBody<DraftPreviewInput>(draftPreviewSchema, body)) }),
  },
});
