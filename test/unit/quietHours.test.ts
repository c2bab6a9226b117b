// Quiet hours on a fake clock: inside or not, and when they end, in the robot's time zone.
import { isKnownTimeZone, quietUntil } from '../../lib/delivery/quietHours';
import type { QuietHours } from '../../lib/domain/robot';

const shanghai = (local: string) => Date.parse(`${local}+08:00`);

describe('quietUntil', () => {
  const night = { from: '22:00', to: '08:00', timeZone: 'Asia/Shanghai' };

  it('is inside a span across midnight on both sides of it, ending at the next 08:00 in Shanghai', () => {
    expect(quietUntil(night, shanghai('2026-12-07T23:30:00'))).toBe(shanghai('2026-12-08T08:00:00'));
    expect(quietUntil(night, shanghai('2026-12-08T07:59:00'))).toBe(shanghai('2026-12-08T08:00:00'));
    expect(quietUntil(night, shanghai('2026-12-08T08:00:00'))).toBeUndefined();
    expect(quietUntil(night, shanghai('2026-12-08T21:59:00'))).toBeUndefined();
  });

  it('counts a span from the day it starts on: Friday night runs into Saturday, Saturday night is not quiet', () => {
    const weeknights: QuietHours = { ...night, days: ['mon', 'tue', 'wed', 'thu', 'fri'] };
    // 2026-12-11 is a Friday
    expect(quietUntil(weeknights, shanghai('2026-12-12T03:00:00'))).toBe(shanghai('2026-12-12T08:00:00'));
    expect(quietUntil(weeknights, shanghai('2026-12-12T23:00:00'))).toBeUndefined();
    expect(quietUntil(weeknights, shanghai('2026-12-13T03:00:00'))).toBeUndefined();
  });

  it('takes a span within one day, and from == to as the whole day', () => {
    const lunch = { from: '12:00', to: '13:30', timeZone: 'Asia/Shanghai' };
    expect(quietUntil(lunch, shanghai('2026-12-08T12:45:00'))).toBe(shanghai('2026-12-08T13:30:00'));
    expect(quietUntil(lunch, shanghai('2026-12-08T13:30:00'))).toBeUndefined();
    const sunday: QuietHours = { from: '00:00', to: '00:00', timeZone: 'Asia/Shanghai', days: ['sun'] };
    expect(quietUntil(sunday, shanghai('2026-12-13T15:00:00'))).toBe(shanghai('2026-12-14T00:00:00'));
    expect(quietUntil(sunday, shanghai('2026-12-14T00:00:00'))).toBeUndefined();
  });

  it('follows a time zone with summer time: 08:00 in Berlin is 07:00 UTC in winter and 06:00 UTC in summer', () => {
    const berlin = { from: '22:00', to: '08:00', timeZone: 'Europe/Berlin' };
    expect(quietUntil(berlin, Date.parse('2026-12-08T02:00:00Z'))).toBe(Date.parse('2026-12-08T07:00:00Z'));
    expect(quietUntil(berlin, Date.parse('2026-07-08T02:00:00Z'))).toBe(Date.parse('2026-07-08T06:00:00Z'));
  });

  it('knows IANA time zones and nothing else', () => {
    expect(isKnownTimeZone('Asia/Shanghai')).toBe(true);
    expect(isKnownTimeZone('Mars/Olympus')).toBe(false);
  });
});
