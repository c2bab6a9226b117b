// The tools' payloads as report events: pure mapping, checked on the fixtures and on the edges.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { alertsKept, mentionsFrom, rowsKept, toolEvent } from '../../lib/sources/toolEvents';

const fixture = (name: string) =>
  (JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', `${name}.json`), 'utf8')) as { payload: any }).payload;

describe('tool events', () => {
  it('names an Alertmanager group as Alertmanager titles it, links its externalURL and lists labels for Mustache', () => {
    const event = toolEvent.alertmanager(fixture('alertmanager-firing') as never);
    expect(event).toMatchObject({
      reportId: 'alertmanager:dingpush',
      reportName: '[FIRING:2] HighRequestLatency',
      url: 'http://alertmanager.example.com:9093',
      mention: { atMobiles: ['13800000000'] },
    });
    const data = event.data as any;
    expect(data).toMatchObject({
      isFiring: true,
      isResolved: false,
      firingCount: 2,
      resolvedCount: 0,
      truncatedAlerts: 0,
      receiver: 'dingpush',
    });
    expect(data.alerts[0].labelList).toContainEqual({ name: 'instance', value: 'api-1:8080' });
    expect(data.commonLabelList).toEqual([
      { name: 'alertname', value: 'HighRequestLatency' },
      { name: 'job', value: 'api' },
      { name: 'severity', value: 'page' },
    ]);
  });

  it('makes a group urgent while one of its alerts fires with severity critical or page, not once they are resolved', () => {
    const payload = fixture('alertmanager-firing');
    expect(toolEvent.alertmanager(payload as never).urgent).toBe(true);
    const warning = {
      ...payload,
      alerts: payload.alerts.map((alert: any) => ({ ...alert, labels: { ...alert.labels, severity: 'warning' } })),
    };
    expect(toolEvent.alertmanager(warning as never)).not.toHaveProperty('urgent');
    const resolved = { ...payload, status: 'resolved', alerts: payload.alerts.map((alert: any) => ({ ...alert, status: 'resolved' })) };
    expect(toolEvent.alertmanager(resolved as never)).not.toHaveProperty('urgent');
  });

  it('keeps the first alerts of a large group and counts the rest in truncatedAlerts', () => {
    const payload = fixture('alertmanager-firing');
    payload.truncatedAlerts = 3;
    payload.alerts = Array.from({ length: alertsKept + 5 }, (_, index) => ({
      ...payload.alerts[0],
      labels: { alertname: 'Disk', instance: `host-${index}` },
    }));
    const data = toolEvent.alertmanager(payload as never).data as any;
    expect(data.alerts).toHaveLength(alertsKept);
    expect(data.truncatedAlerts).toBe(8);
    expect(data.firingCount).toBe(alertsKept + 5);
  });

  it('titles a Grafana group without group labels by its common labels, and leaves out the empty links', () => {
    const payload = fixture('grafana-firing');
    const event = toolEvent.grafana({
      ...payload,
      externalURL: 'not a url',
      alerts: payload.alerts.map((alert: any, index: number) => ({
        ...alert,
        imageURL: index === 0 ? 'https://grafana.example.com/shot.png' : '',
      })),
    } as never);
    expect(event.reportName).toBe('[FIRING:2] blue');
    expect(event.url).toBeUndefined();
    expect(event.images).toEqual([{ name: 'High memory usage.png', url: 'https://grafana.example.com/shot.png' }]);
    expect(event.mention).toBeUndefined();
  });

  it('takes mentions from labels and annotations, only as DingTalk accepts them', () => {
    expect(
      mentionsFrom([{ atMobiles: '13800000000, 13900000000；not-a-phone' }, { atUserIds: 'u1 u2', isAtAll: 'TRUE' }, undefined]),
    ).toEqual({ atMobiles: ['13800000000', '13900000000'], atUserIds: ['u1', 'u2'], isAtAll: true });
    expect(mentionsFrom([{ atMobiles: 'call me' }, { isAtAll: 'yes' }])).toBeUndefined();
    expect(
      mentionsFrom([{ atMobiles: Array.from({ length: 30 }, (_, i) => `1380000${String(i).padStart(4, '0')}`).join(',') }])?.atMobiles,
    ).toHaveLength(20);
  });

  it('turns a Metabase visualization into an image, out of the data, and keeps the first rows', () => {
    const payload = fixture('metabase-alert');
    payload.data.raw_data.rows = Array.from({ length: rowsKept + 10 }, (_, i) => [`2026-11-${i}`, i]);
    const event = toolEvent.metabase(payload as never);
    expect(event).toMatchObject({ reportId: 'metabase:7', reportName: 'Daily orders', url: 'https://metabase.example.com/question/42' });
    expect(event.images).toEqual([{ name: 'Daily orders.png', contentType: 'image/png', data: payload.data.visualization.split(',')[1] }]);
    const data = event.data as any;
    expect(data.data.visualization).toBeUndefined();
    expect(data.data.raw_data.rows).toHaveLength(rowsKept);
    expect(data.rowCount).toBe(rowsKept + 10);
    expect(toolEvent.metabase({ ...payload, alert_id: null } as never).reportId).toBe('metabase:test');
  });

  it('names a Superset report by its name and keeps its fields as data', () => {
    const event = toolEvent.superset(fixture('superset-report') as never);
    expect(event).toMatchObject({
      reportId: 'superset:Weekly sales dashboard',
      reportName: 'Weekly sales dashboard',
      url: 'https://superset.example.com/superset/dashboard/12/?standalone=0',
    });
    expect((event.data as any).header.dashboard_id).toBe(12);
    expect(event.images).toBeUndefined();
  });
});
