// HTTP: /templates, /template-previews and /template-starters
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
import { httpFunction } from './http/httpFunction';

export const handler = httpFunction('templates', {
  createTemplate: ({ body }) => createTemplate(body),
  listTemplates: ({ query }) => listTemplates(query),
  getTemplate: ({ pathParameters }) => getTemplate(pathParameters.id),
  replaceTemplate: ({ pathParameters, body }) => replaceTemplate(pathParameters.id, body),
  deleteTemplate: ({ pathParameters }) => deleteTemplate(pathParameters.id),
  previewTemplate: ({ pathParameters, body }) => previewTemplate(pathParameters.id, body),
  previewDraftTemplate: ({ body }) => previewDraft(body),
  listTemplateStarters: async () => ({ items: starters }),
  createTemplateFromStarter: ({ pathParameters, body }) => createTemplateFromStarter(pathParameters.id, body),
});
