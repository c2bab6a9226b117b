// A job that goes back on the queue keeps the rate-limit slot and the record claim it holds.
import type { PushJob } from '../../schemas/pushJob';
import { jobToComeBack } from '../../lib/delivery/deliverPushJob';

const job: PushJob = { recordId: 'r1', robotId: 'b1', report: { eventId: 'e1', reportId: 'x', reportName: 'X' } };
const later = { kind: 'later' as const, delaySeconds: 2, reason: 'rate-limit' };

describe('jobToComeBack', () => {
  it('marks the record as existing and carries the new slot and claim', () => {
    const claimedUntil = Date.now() + 10_000;
    expect(jobToComeBack(job, { ...later, reservedSlotAt: 123, claimedUntil })).toEqual({ ...job, recordExists: true, reservedSlotAt: 123, claimedUntil });
  });

  it('keeps a claim from an earlier pass when this pass took none, so the job can take it again', () => {
    const claimedUntil = Date.now() + 10_000;
    expect(jobToComeBack({ ...job, claimedUntil, reservedSlotAt: 1 }, { ...later, reservedSlotAt: 456 })).toEqual({ ...job, recordExists: true, reservedSlotAt: 456, claimedUntil });
  });

  it('drops a slot that was used and a claim whose lease has passed', () => {
    expect(jobToComeBack({ ...job, claimedUntil: Date.now() - 1, reservedSlotAt: 1 }, later)).toEqual({ ...job, recordExists: true });
  });
});
