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
  createTemplate: ({ caller, body }) => createTemplate(caller, body),
  listTemplates: ({ caller, query }) => listTemplates(caller, query),
  getTemplate: ({ caller, pathParameters }) => getTemplate(caller, pathParameters.id),
  replaceTemplate: ({ caller, pathParameters, body }) => replaceTemplate(caller, pathParameters.id, body),
  deleteTemplate: ({ caller, pathParameters }) => deleteTemplate(caller, pathParameters.id),
  previewTemplate: ({ caller, pathParameters, body }) => previewTemplate(caller, pathParameters.id, body),
  previewDraftTemplate: ({ caller, body }) => previewDraft(caller, body),
  listTemplateStarters: async () => ({ items: starters }),
  createTemplateFromStarter: ({ caller, pathParameters, body }) => createTemplateFromStarter(caller, pathParameters.id, body),
});
