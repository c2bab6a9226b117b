// Every branch of the worker's decision, without DynamoDB.
import { afterAttempt, decidePushStep, type PushStepInput } from '../../lib/delivery/decidePushStep';
import { newQueuedRecord } from '../../lib/store/recordsStore';
import { jobFixture, robotFixture, rules, templateFixture } from '../support/deliveryFixtures';

const now = 1_000_000;
const input = (fields: Partial<PushStepInput> = {}): PushStepInput => ({
  job: jobFixture(),
  robot: robotFixture(),
  template: templateFixture(),
  window: { sends: [], cooldownUntil: 0 },
  now,
  sendBy: now + 20_000,
  ...fields,
});
const recordWith = (fields: object) => ({ ...newQueuedRecord({ id: 'record-robot-1-1', eventId: 'event-1', reportId: 'sales', reportName: 'Sales', robotId: 'robot-1', robotName: 'Sales', templateId: 'template-1', templateName: 'Daily' }), ...fields });

describe('decidePushStep', () => {
  it('sends now, rendered with the template and the record id as msgUuid, while the window has room', () => {
    expect(decidePushStep(input(), rules)).toEqual({ kind: 'send', attempt: 1, message: { msgtype: 'text', text: { content: 'Report Sales: 1' }, msgUuid: 'record-robot-1-1' } });
  });

  it('does nothing for a record that is already finished', () => {
    for (const status of ['sent', 'failed', 'skipped'] as const) expect(decidePushStep(input({ record: recordWith({ status }) }), rules)).toEqual({ kind: 'already-finished', status });
  });

  it('skips a robot that is gone or disabled, saying why', () => {
    expect(decidePushStep(input({ robot: undefined }), rules)).toEqual({ kind: 'skip', reason: expect.stringMatching(/deleted/) });
    expect(decidePushStep(input({ robot: robotFixture({ enabled: false, disabledReason: 'by hand' }) }), rules)).toEqual({ kind: 'skip', reason: 'The robot is disabled (by hand)' });
  });

  it('fails without sending when the template is gone, does not render or the message would be refused', () => {
    expect(decidePushStep(input({ template: undefined }), rules)).toMatchObject({ kind: 'finish-failed', reason: expect.stringMatching(/template-1 no longer exists/) });
    const huge = decidePushStep(input({ template: templateFixture({ text: 'x'.repeat(21_000) }) }), rules);
    expect(huge).toMatchObject({ kind: 'finish-failed', reason: expect.stringMatching(/20000/), content: { msgtype: 'text' } });
    const noKeyword = decidePushStep(input({ robot: robotFixture({ keywords: ['ALERT'] }) }), rules);
    expect(noKeyword).toMatchObject({ kind: 'finish-failed', reason: expect.stringMatching(/keywords/) });
  });

  it('counts attempts from the record and gives up past the maximum, to the dead-letter queue', () => {
    expect(decidePushStep(input({ record: recordWith({ attempts: 2 }) }), rules)).toMatchObject({ kind: 'send', attempt: 3 });
    expect(decidePushStep(input({ record: recordWith({ attempts: 3, errmsg: 'HTTP 502' }) }), rules)).toEqual({ kind: 'finish-failed', reason: 'Gave up after 3 attempts; last: HTTP 502', deadLetter: true });
  });

  it('waits inline for a slot within the inline wait, and comes back on the queue for a later one', () => {
    // 2 per 10.5 s: the window is full until the older send leaves it
    const soon = decidePushStep(input({ window: { sends: [now - 8000, now - 7000], cooldownUntil: 0 } }), rules);
    expect(soon).toMatchObject({ kind: 'wait-inline', slotAt: now + 2500, attempt: 1 });
    const later = decidePushStep(input({ window: { sends: [now - 1000, now - 500], cooldownUntil: 0 } }), rules);
    // the slot is at now + 9500: back two seconds early, the rest waited for inline
    expect(later).toEqual({ kind: 'come-back-at', at: now + 7500, reason: 'rate-limit' });
  });

  it('does not wait inline past the end of the batch', () => {
    const step = decidePushStep(input({ window: { sends: [now - 8000, now - 7000], cooldownUntil: 0 }, sendBy: now + 1000 }), rules);
    expect(step).toMatchObject({ kind: 'come-back-at', reason: 'rate-limit' });
  });

  it('comes back when a cooldown after a 130101 ends', () => {
    expect(decidePushStep(input({ window: { sends: [], cooldownUntil: now + 30_000 } }), rules)).toEqual({ kind: 'come-back-at', at: now + 30_000, reason: 'cooldown' });
  });
});

describe('afterAttempt', () => {
  it('is sent on ok, failed for good on a permanent errcode', () => {
    expect(afterAttempt({ outcome: 'ok', errmsg: 'ok' }, 1, now, rules)).toEqual({ kind: 'sent' });
    expect(afterAttempt({ outcome: 'permanent', errmsg: 'keywords not in content' }, 1, now, rules)).toEqual({ kind: 'failed', reason: 'keywords not in content', deadLetter: false, permanent: true });
  });

  it('retries with backoff, and after a 130101 not before the cooldown ends', () => {
    const retry = afterAttempt({ outcome: 'retryable', errmsg: 'HTTP 502' }, 1, now, rules);
    expect(retry).toMatchObject({ kind: 'retry-at' });
    expect((retry as { at: number }).at - now).toBeGreaterThanOrEqual(4000);
    expect((retry as { at: number }).at - now).toBeLessThanOrEqual(6000);
    expect(afterAttempt({ outcome: 'throttled', errmsg: 'send too fast' }, 1, now, rules)).toEqual({ kind: 'retry-at', at: now + 60_000, cooldownUntil: now + 60_000 });
  });

  it('gives up on the last attempt, to the dead-letter queue', () => {
    expect(afterAttempt({ outcome: 'retryable', errmsg: 'timeout' }, 3, now, rules)).toEqual({ kind: 'failed', reason: 'Gave up after 3 attempts; last: timeout', deadLetter: true, permanent: false });
  });
});
