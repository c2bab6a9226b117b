import { validateBody, validateQuery } from '../../lib/validation/validate';
import { createRobotSchema } from '../../schemas/robot';
import { listPushRecordsQuerySchema } from '../../schemas/pushRecord';
import { draftPreviewSchema, templateInputSchema } from '../../schemas/template';

describe('validation', () => {
  it('validates a schema that another schema embeds, in either order (a draft preview, then a save)', () => {
    // the draft preview registers TemplateInput when it compiles; a later save used to fail with a 500
    const template = { name: 'Daily', msgType: 'text', text: 'hi' };
    expect(validateBody(draftPreviewSchema, { template, data: {} })).toEqual({ template, data: {} });
    expect(validateBody(templateInputSchema, template)).toEqual(template);
    expect(() => validateBody(templateInputSchema, { ...template, msgType: 'nope' })).toThrow(/msgType/);
  });

  it('lists every violation with a JSON path and a readable message', () => {
    try {
      validateBody(createRobotSchema, { name: ' ', webhookUrl: 1, extra: true });
      throw new Error('should have failed');
    } catch (error: any) {
      expect(error.code).toBe('ValidationFailed');
      expect(error.details).toEqual(
        expect.arrayContaining([
          { path: '/name', message: 'must not be blank' },
          { path: '/webhookUrl', message: 'must be string' },
          { path: '/extra', message: 'is not an allowed field' },
          { path: '/templateId', message: 'is required' },
        ]),
      );
      expect(error.message).toMatch(/\/templateId is required/);
    }
  });

  it('requires the fields each msgType needs', () => {
    expect(() => validateBody(templateInputSchema, { name: 'x', msgType: 'feedCard' })).toThrow(/\/links is required/);
    expect(() => validateBody(templateInputSchema, { name: 'x', msgType: 'link', title: 't', text: 'x' })).toThrow(
      /\/messageUrl is required/,
    );
    expect(validateBody(templateInputSchema, { name: 'x', msgType: 'text', text: 'hi' })).toEqual({
      name: 'x',
      msgType: 'text',
      text: 'hi',
    });
  });

  it('coerces query strings and refuses out-of-range values', () => {
    expect(validateQuery(listPushRecordsQuerySchema, { limit: '10', status: 'sent' })).toEqual({ limit: 10, status: 'sent' });
    expect(() => validateQuery(listPushRecordsQuerySchema, { limit: '0' })).toThrow(/limit/);
    expect(() => validateQuery(listPushRecordsQuerySchema, { status: 'lost' })).toThrow(
      /must be one of: queued, held, sent, failed, skipped, unconfirmed/,
    );
    expect(() => validateQuery(listPushRecordsQuerySchema, { from: 'yesterday' })).toThrow(/from/);
  });
});
