// The shared send log against DynamoDB Local: reservations for one robot made at the same time in one
// container are written together, and no window ever holds more than the limit.
import { randomUUID } from 'node:crypto';

// loaded late: the service reads its configuration (the per-file table) at load
// eslint-disable-next-line @typescript-eslint/no-require-imports
const load = () => require('../../lib/store/rateLimitStore') as typeof import('../../lib/store/rateLimitStore');
const window = { messages: 20, windowMs: 2000, marginMs: 100 };

async function storedVersion(robotId: string): Promise<number> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { readDeliveryInputs } = require('../../lib/store/deliveryInputs') as typeof import('../../lib/store/deliveryInputs');
  return (await readDeliveryInputs([robotId], [])).rateStates.get(robotId)?.version ?? 0;
}

it('serves 60 reservations made at once with a handful of writes, at most 20 slots in any window', async () => {
  const { rateLimitStore } = load();
  const robotId = `rate-${randomUUID()}`;
  const reservations = await Promise.all(Array.from({ length: 60 }, () => rateLimitStore.reserve(robotId, window, 60_000)));
  const slots = reservations.map((reservation) => {
    if (!('slotAt' in reservation)) throw new Error(`expected a slot, got ${JSON.stringify(reservation)}`);
    return reservation.slotAt;
  });
  slots.sort((a, b) => a - b);
  // the 21st slot after any slot is at least a window (plus margin) later
  for (let i = window.messages; i < slots.length; i++) expect(slots[i] - slots[i - window.messages]).toBeGreaterThanOrEqual(window.windowMs + window.marginMs);
  // one write for the first request, one for everything that queued behind it (a few more if timing splits them)
  const writes = await storedVersion(robotId);
  expect(writes).toBeGreaterThanOrEqual(1);
  expect(writes).toBeLessThanOrEqual(5);
});

it('gives a request that would wait longer than it may a wait, and the others their slots', async () => {
  const { rateLimitStore } = load();
  const robotId = `rate-${randomUUID()}`;
  // 25 at once, of which only the first 20 fit within the next second
  const reservations = await Promise.all(Array.from({ length: 25 }, () => rateLimitStore.reserve(robotId, window, 1000)));
  expect(reservations.filter((reservation) => 'slotAt' in reservation)).toHaveLength(20);
  expect(reservations.filter((reservation) => 'waitMs' in reservation && reservation.reason === 'rate-limit')).toHaveLength(5);
});
