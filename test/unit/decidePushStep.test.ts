// Every branch of the worker's decision, without DynamoDB.
import { afterAttempt, decidePushStep, type EndedAttempt, type PushStepInput } from '../../lib/delivery/decidePushStep';
import { newQueuedRecord } from '../../lib/domain/pushRecord';
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
const recordWith = (fields: object) => ({
  ...newQueuedRecord({
    id: 'record-robot-1-1',
    workspaceId: 'default',
    eventId: 'event-1',
    reportId: 'sales',
    reportName: 'Sales',
    robotId: 'robot-1',
    robotName: 'Sales',
    templateId: 'template-1',
    templateName: 'Daily',
  }),
  ...fields,
});

describe('decidePushStep', () => {
  it('sends now, rendered with the template, only the fields DingTalk documents, while the window has room', () => {
    const given = input();
    expect(decidePushStep(given, rules)).toEqual({
      kind: 'send',
      robot: given.robot,
      template: given.template,
      attempt: 1,
      message: { msgtype: 'text', text: { content: 'Report Sales: 1' } },
      body: { msgtype: 'text', text: { content: 'Report Sales: 1' } },
      pictures: 0,
      webhook: 'own',
    });
  });

  it("renders a WeCom or Feishu robot's push as its channel's body, and refuses one over the channel's limit before sending", () => {
    const wecom = decidePushStep(input({ robot: robotFixture({ channel: 'wecom' }) }), rules);
    expect(wecom).toMatchObject({ kind: 'send', body: { msgtype: 'text', text: { content: 'Report Sales: 1' } } });
    const feishu = decidePushStep(input({ robot: robotFixture({ channel: 'feishu' }) }), rules);
    expect(feishu).toMatchObject({ kind: 'send', body: { msg_type: 'text', content: { text: 'Report Sales: 1' } } });
    // WeCom's text takes 2,048 bytes, DingTalk's 20,000
    const long = { ...jobFixture(1), report: { ...jobFixture(1).report, data: { total: 'x'.repeat(3000) } } };
    expect(decidePushStep(input({ job: long }), rules)).toMatchObject({ kind: 'send' });
    expect(decidePushStep(input({ job: long, robot: robotFixture({ channel: 'wecom' }) }), rules)).toMatchObject({
      kind: 'finish-failed',
      reason: expect.stringMatching(/WeCom accepts at most 2048 \(errcode 40058\)/),
    });
  });

  it('does nothing for a record that is already finished or held unconfirmed', () => {
    for (const status of ['sent', 'failed', 'skipped', 'unconfirmed'] as const)
      expect(decidePushStep(input({ record: recordWith({ status }) }), rules)).toEqual({ kind: 'already-finished', status });
  });

  it('finds an attempt a worker started and never recorded (it died mid-send), and only for that record', () => {
    const inFlight = { recordId: 'record-robot-1-1', attempt: 2, at: now - 200_000 };
    const window = { sends: [now - 200_000], cooldownUntil: 0, inFlight };
    expect(decidePushStep(input({ window, record: recordWith({ attempts: 1 }) }), rules)).toEqual({
      kind: 'attempt-lost',
      attempt: 2,
      at: now - 200_000,
    });
    // with no record at all: the first attempt was the one lost
    expect(decidePushStep(input({ window: { ...window, inFlight: { ...inFlight, attempt: 1 } } }), rules)).toMatchObject({
      kind: 'attempt-lost',
      attempt: 1,
    });
    // recorded: the attempt ended and the next one is due
    expect(decidePushStep(input({ window, record: recordWith({ attempts: 2 }) }), rules)).toMatchObject({ kind: 'send', attempt: 3 });
    expect(decidePushStep(input({ window, job: jobFixture(2) }), rules)).toMatchObject({ kind: 'send', attempt: 1 });
  });

  it('skips a robot that is gone or disabled, saying why', () => {
    expect(decidePushStep(input({ robot: undefined }), rules)).toEqual({ kind: 'skip', reason: expect.stringMatching(/deleted/) });
    expect(decidePushStep(input({ robot: robotFixture({ enabled: false, disabledReason: 'by hand' }) }), rules)).toEqual({
      kind: 'skip',
      reason: 'The robot is disabled (by hand)',
    });
  });

  it('fails without sending when the template is gone, does not render or the message would be refused', () => {
    expect(decidePushStep(input({ template: undefined }), rules)).toMatchObject({
      kind: 'finish-failed',
      reason: expect.stringMatching(/template-1 no longer exists/),
    });
    const huge = decidePushStep(input({ template: templateFixture({ text: 'x'.repeat(21_000) }) }), rules);
    expect(huge).toMatchObject({ kind: 'finish-failed', reason: expect.stringMatching(/20000/), content: { msgtype: 'text' } });
    const noKeyword = decidePushStep(input({ robot: robotFixture({ keywords: ['ALERT'] }) }), rules);
    expect(noKeyword).toMatchObject({ kind: 'finish-failed', reason: expect.stringMatching(/keywords/) });
  });

  it('counts attempts from the record, and waits for a retry the queue handed back early', () => {
    expect(decidePushStep(input({ record: recordWith({ attempts: 40 }) }), rules)).toMatchObject({ kind: 'send', attempt: 41 });
    const early = recordWith({ attempts: 2, nextAttemptAt: new Date(now + 60_000).toISOString() });
    expect(decidePushStep(input({ record: early }), rules)).toEqual({ kind: 'come-back-at', at: now + 60_000, reason: 'retry-later' });
    const due = recordWith({ attempts: 2, nextAttemptAt: new Date(now + 500).toISOString() });
    expect(decidePushStep(input({ record: due }), rules)).toMatchObject({ kind: 'send', attempt: 3 });
  });

  it('waits inline for a slot within the inline wait, and comes back on the queue for a later one', () => {
    // 2 per 10.5 s: the window is full until the older send leaves it
    const soon = decidePushStep(input({ window: { sends: [now - 8000, now - 7000], cooldownUntil: 0 } }), rules);
    expect(soon).toMatchObject({ kind: 'wait-inline', slotAt: now + 2500, attempt: 1 });
    const later = decidePushStep(input({ window: { sends: [now - 1000, now - 500], cooldownUntil: 0 } }), rules);
    // the slot is at now + 9500: back two seconds early, the rest waited for inline
    expect(later).toMatchObject({ kind: 'wait-for-slot', at: now + 7500, reason: 'rate-limit', attempt: 1 });
  });

  it('does not wait inline past the end of the batch', () => {
    const step = decidePushStep(input({ window: { sends: [now - 8000, now - 7000], cooldownUntil: 0 }, sendBy: now + 1000 }), rules);
    expect(step).toMatchObject({ kind: 'wait-for-slot', reason: 'rate-limit' });
  });

  describe('a robot with a pool of webhooks', () => {
    const pool = ['a', 'b'].map((key) => ({ key, webhookUrl: `https://oapi.dingtalk.com/robot/send?access_token=${key}` }));
    const robot = robotFixture({ pool });
    const full = { sends: [now - 1000, now - 500], cooldownUntil: 0 };

    it('sends through the first webhook with a free slot, its own first', () => {
      expect(decidePushStep(input({ robot }), rules)).toMatchObject({ kind: 'send', webhook: 'own' });
      expect(decidePushStep(input({ robot, window: { ...full } }), rules)).toMatchObject({ kind: 'send', webhook: 'a' });
      expect(decidePushStep(input({ robot, window: { ...full, pool: { a: full } } }), rules)).toMatchObject({ kind: 'send', webhook: 'b' });
    });

    it('waits for the earliest slot of all its webhooks when every one is full', () => {
      const older = { sends: [now - 8000, now - 7000], cooldownUntil: 0 };
      const step = decidePushStep(input({ robot, window: { ...full, pool: { a: full, b: older } } }), rules);
      expect(step).toMatchObject({ kind: 'wait-inline', slotAt: now + 2500, webhook: 'b' });
    });

    it('leaves a webhook out while DingTalk throttles it, and comes back when the first cooldown ends if all are', () => {
      const cooling = (until: number) => ({ sends: [], cooldownUntil: until });
      expect(
        decidePushStep(input({ robot, window: { ...cooling(now + 30_000), pool: { a: cooling(now + 10_000) } } }), rules),
      ).toMatchObject({
        kind: 'send',
        webhook: 'b',
      });
      const all = { ...cooling(now + 30_000), pool: { a: cooling(now + 10_000), b: cooling(now + 20_000) } };
      expect(decidePushStep(input({ robot, window: all }), rules)).toMatchObject({
        kind: 'wait-for-slot',
        at: now + 10_000,
        reason: 'cooldown',
      });
    });

    it('forgets the window of a webhook no longer in the pool', () => {
      const step = decidePushStep(
        input({ robot: robotFixture(), window: { ...full, pool: { a: { sends: [], cooldownUntil: 0 } } } }),
        rules,
      );
      expect(step).toMatchObject({ kind: 'wait-for-slot', reason: 'rate-limit' });
    });
  });

  it('holds a push behind held ones until their release: their end while the robot has quiet hours, now once it has none', () => {
    const window = { sends: [], cooldownUntil: 0, heldUntil: now + 3_600_000 };
    const quietHours = { from: '12:00', to: '13:00', timeZone: 'UTC' };
    expect(decidePushStep(input({ window, robot: robotFixture({ quietHours }) }), rules)).toEqual({ kind: 'hold', until: now + 3_600_000 });
    expect(decidePushStep(input({ window }), rules)).toEqual({ kind: 'hold', until: now });
    expect(decidePushStep(input({ window, releasing: true }), rules)).toMatchObject({ kind: 'send' });
    const urgent = { ...jobFixture(), report: { ...jobFixture().report, urgent: true } };
    expect(decidePushStep(input({ window, job: urgent }), rules)).toMatchObject({ kind: 'send' });
  });

  it('comes back when a cooldown after a 130101 ends', () => {
    expect(decidePushStep(input({ window: { sends: [], cooldownUntil: now + 30_000 } }), rules)).toMatchObject({
      kind: 'wait-for-slot',
      at: now + 30_000,
      reason: 'cooldown',
    });
  });
});

describe('afterAttempt', () => {
  const ended = (fields: Partial<EndedAttempt> = {}): EndedAttempt => ({
    outcome: 'retryable',
    errmsg: 'HTTP 502',
    attempt: 1,
    acceptedAt: now,
    onUncertain: 'resend',
    channel: 'dingtalk',
    ...fields,
  });
  const hour = 3_600_000;

  it('is sent on ok, failed for good on a permanent errcode', () => {
    expect(afterAttempt(ended({ outcome: 'ok', errmsg: 'ok' }), now, rules)).toEqual({ kind: 'sent' });
    expect(afterAttempt(ended({ outcome: 'permanent', errmsg: 'keywords not in content' }), now, rules)).toEqual({
      kind: 'failed',
      reason: 'keywords not in content',
      deadLetter: false,
      permanent: true,
    });
  });

  it('retries with backoff, and after a 130101 not before the cooldown ends', () => {
    const retry = afterAttempt(ended(), now, rules);
    expect(retry).toMatchObject({ kind: 'retry-at' });
    expect((retry as { at: number }).at - now).toBeGreaterThanOrEqual(2500);
    expect((retry as { at: number }).at - now).toBeLessThanOrEqual(5000);
    expect(afterAttempt(ended({ outcome: 'throttled', errmsg: 'send too fast' }), now, rules)).toEqual({
      kind: 'retry-at',
      at: now + 60_000,
      cooldownUntil: now + 60_000,
    });
  });

  it('resends an uncertain attempt by default, and holds it unconfirmed when the robot says hold', () => {
    expect(afterAttempt(ended({ outcome: 'uncertain' }), now, rules)).toMatchObject({ kind: 'retry-at' });
    expect(afterAttempt(ended({ outcome: 'uncertain', onUncertain: 'hold' }), now, rules)).toEqual({ kind: 'unconfirmed' });
    // hold is about uncertain attempts only: a plain 5xx is still retried
    expect(afterAttempt(ended({ onUncertain: 'hold' }), now, rules)).toMatchObject({ kind: 'retry-at' });
  });

  it('a push in a 10-minute outage is tried at least once a rate window, and a day-long one fewer than 250 times (about 170), not every window', () => {
    const acceptedAt = now;
    const realRules = {
      ...rules,
      channels: { ...rules.channels, dingtalk: { limit: { messages: 20, windowMs: 60_000, marginMs: 3000 }, throttleCooldownMs: 60_000 } },
    };
    let clock = acceptedAt;
    let attempt = 0;
    const gaps: { at: number; gap: number }[] = [];
    let verdict = afterAttempt(ended({ attempt: ++attempt, acceptedAt }), clock, realRules);
    while (verdict.kind === 'retry-at') {
      gaps.push({ at: clock - acceptedAt, gap: verdict.at - clock });
      clock = verdict.at;
      verdict = afterAttempt(ended({ attempt: ++attempt, acceptedAt }), clock, realRules);
    }
    expect(Math.max(...gaps.filter(({ at }) => at <= 10 * 60_000).map(({ gap }) => gap))).toBeLessThanOrEqual(60_000);
    expect(Math.max(...gaps.map(({ gap }) => gap))).toBeLessThanOrEqual(15 * 60_000);
    // well under the queue's redrive of 1,000 receives
    expect(attempt).toBeLessThan(250);
  });

  it('a push failing for 23 hours (a fake clock) is still retried, at most 15 minutes apart, and fails once 24 hours have passed', () => {
    const acceptedAt = now;
    let clock = acceptedAt;
    let attempt = 0;
    let verdict = afterAttempt(ended({ attempt: ++attempt, acceptedAt }), clock, rules);
    const gaps: number[] = [];
    while (verdict.kind === 'retry-at' && clock < acceptedAt + 23 * hour) {
      gaps.push(verdict.at - clock);
      clock = verdict.at;
      verdict = afterAttempt(ended({ attempt: ++attempt, acceptedAt }), clock, rules);
    }
    expect(verdict.kind).toBe('retry-at');
    expect(clock).toBeGreaterThanOrEqual(acceptedAt + 23 * hour);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(15 * 60_000);
    // the retries never pass the window's end; the one at its end that fails gives up, to the dead-letter queue
    while (verdict.kind === 'retry-at') {
      expect(verdict.at).toBeLessThanOrEqual(acceptedAt + 24 * hour);
      clock = verdict.at;
      verdict = afterAttempt(ended({ attempt: ++attempt, acceptedAt }), clock, rules);
    }
    expect(clock).toBe(acceptedAt + 24 * hour);
    expect(verdict).toEqual({
      kind: 'failed',
      reason: `Gave up after ${attempt} attempts over the 24 h retry window; last: HTTP 502`,
      deadLetter: true,
      permanent: false,
    });
    expect(attempt).toBeGreaterThan(90);
  });
});
