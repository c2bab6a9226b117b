import { validateBody, validateQuery } from '../../lib/validation/validate';
import { createRobotSchema } from '../../schemas/robot';
import { listPushRecordsQuerySchema } from '../../schemas/pushRecord';
import { templateInputSchema } from '../../schemas/template';

describe('validation', () => {
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
    expect(() => validateBody(templateInputSchema, { name: 'x', msgType: 'link', title: 't', text: 'x' })).toThrow(/\/messageUrl is required/);
    expect(validateBody(templateInputSchema, { name: 'x', msgType: 'text', text: 'hi' })).toEqual({ name: 'x', msgType: 'text', text: 'hi' });
  });

  it('coerces query strings and refuses out-of-range values', () => {
    expect(validateQuery(listPushRecordsQuerySchema, { limit: '10', status: 'sent' })).toEqual({ limit: 10, status: 'sent' });
    expect(() => validateQuery(listPushRecordsQuerySchema, { limit: '0' })).toThrow(/limit/);
    expect(() => validateQuery(listPushRecordsQuerySchema, { status: 'lost' })).toThrow(/must be one of: queued, sending, sent, failed, skipped/);
    expect(() => validateQuery(listPushRecordsQuerySchema, { from: 'yesterday' })).toThrow(/from/);
  });
});
