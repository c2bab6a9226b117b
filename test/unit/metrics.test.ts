import { MetricsBatch } from '../../lib/metrics';

describe('EMF metrics', () => {
  it('writes one Embedded Metric Format document per batch', () => {
    const lines: string[] = [];
    const batch = new MetricsBatch(true);
    batch.add('PushSent', 1);
    batch.add('PushSent', 1);
    batch.add('DingTalkLatency', 120, 'Milliseconds');
    batch.flush((line) => lines.push(line));
    expect(lines).toHaveLength(1);
    const document = JSON.parse(lines[0]);
    expect(document._aws.CloudWatchMetrics).toEqual([
      { Namespace: 'dingpush', Dimensions: [['Stage']], Metrics: [{ Name: 'PushSent', Unit: 'Count' }, { Name: 'DingTalkLatency', Unit: 'Milliseconds' }] },
    ]);
    expect(document).toMatchObject({ Stage: 'local', PushSent: [1, 1], DingTalkLatency: 120 });
    batch.flush((line) => lines.push(line));
    expect(lines).toHaveLength(1); // nothing new, nothing written
  });

  it('writes nothing when metrics are switched off', () => {
    const lines: string[] = [];
    const batch = new MetricsBatch(false);
    batch.add('PushSent', 1);
    batch.flush((line) => lines.push(line));
    expect(lines).toEqual([]);
  });
});
