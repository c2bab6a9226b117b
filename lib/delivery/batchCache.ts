// What the jobs of one worker batch share: robot, template and rate-limit reads made once for the whole
// batch (one BatchGetItem for all), and the ended attempts (record and content) gathered into batch writes.
import { Coalescer } from '../concurrency';
import type { DingTalkMessage } from '../dingtalk/messages';
import { readDeliveryInputs } from '../store/deliveryInputs';
import type { RateState } from '../store/rateLimitStore';
import { recordsStore, type PushRecord, type TemplateSnapshot } from '../store/recordsStore';
import { robotsStore, type Robot } from '../store/robotsStore';
import { templatesStore, type Template } from '../store/templatesStore';

export class BatchCache {
  private robots = new Map<string, Promise<Robot | undefined>>();
  private templates = new Map<string, Promise<Template | undefined>>();
  private records = new Map<string, Promise<PushRecord | undefined>>();
  /** Send logs as last read or written by this batch; reserve() keeps them current. */
  readonly rateStates = new Map<string, RateState>();
  // 12 attempts (24 items) to a batch write; 20 ms gathers the answers of a batch's sends, which DingTalk gives within moments of each other
  private endedAttempts = new Coalescer<{ record: PushRecord; content: DingTalkMessage; template: TemplateSnapshot }>((attempts) => recordsStore.putAttemptsEnded(attempts), 12, 20);

  /**
   * Reads every robot of the batch, their send logs and the templates the jobs were queued with up front,
   * in one request, and beside it the records of jobs that may repeat (consistently). Robots, logs and
   * templates are eventually consistent: a robot disabled or a template edited in the last second may
   * still be seen as it was, the same race a send already in flight has anyway. Failures are left to the
   * per-job reads, which report them per job.
   */
  async prefetch(jobs: { recordId: string; robotId: string; templateId?: string; recordExists?: boolean }[]): Promise<void> {
    // the records of jobs that may not be the first for them, read consistently: a finished one must be seen
    const mayExist = jobs.filter((job) => job.recordExists).map((job) => job.recordId);
    const recordsRead = mayExist.length === 0 ? undefined : recordsStore.getMany(mayExist).then(
      (found) => mayExist.forEach((id) => this.records.set(id, Promise.resolve(found.get(id)))),
      () => undefined, // as below: each job reads its own record, and fails on its own
    );
    await Promise.all([recordsRead, this.prefetchRobots(jobs)]);
  }

  private async prefetchRobots(jobs: { robotId: string; templateId?: string }[]): Promise<void> {
    const robotIds = jobs.map((job) => job.robotId).filter((id) => !this.robots.has(id));
    if (robotIds.length === 0) return;
    const templateIds = jobs.flatMap((job) => (job.templateId ? [job.templateId] : [])).filter((id) => !this.templates.has(id));
    try {
      const inputs = await readDeliveryInputs(robotIds, templateIds);
      for (const id of robotIds) this.robots.set(id, Promise.resolve(inputs.robots.get(id)));
      for (const [id, state] of inputs.rateStates) if (!this.rateStates.has(id)) this.rateStates.set(id, state);
      for (const [id, template] of inputs.templates) if (!this.templates.has(id)) this.templates.set(id, Promise.resolve(template));
    } catch {
      // DynamoDB refused: each job reads for itself and fails (and is requeued) on its own
    }
  }

  robot(id: string): Promise<Robot | undefined> {
    let robot = this.robots.get(id);
    if (!robot) this.robots.set(id, (robot = robotsStore.get(id)));
    return robot;
  }

  /** The record of a job that may not be the first for it (consistent). */
  record(id: string): Promise<PushRecord | undefined> {
    let record = this.records.get(id);
    if (!record) this.records.set(id, (record = recordsStore.get(id)));
    return record;
  }

  template(id: string): Promise<Template | undefined> {
    let template = this.templates.get(id);
    if (!template) this.templates.set(id, (template = templatesStore.get(id)));
    return template;
  }

  /** Stores an ended attempt's record with what it sent, in one batch write with the other jobs that end together. */
  saveEndedAttempt(record: PushRecord, content: DingTalkMessage, template: TemplateSnapshot): Promise<void> {
    return this.endedAttempts.add({ record, content, template });
  }

  /** After a robot was changed by this batch (disabled), later jobs must see the change. */
  forgetRobot(id: string): void {
    this.robots.delete(id);
  }
}
