import { captureOutput } from '../support/captureOutput';
import { MetricsBatch } from '../../lib/metrics';

const emfDocuments = (text: string) =>
  text
    .split('\n')
    .filter((line) => line.includes('"_aws"'))
    .map((line) => JSON.parse(line));

describe('EMF metrics', () => {
  it('writes one Embedded Metric Format document per batch, with the Stage dimension the alarms read', () => {
    const output = captureOutput();
    try {
      const batch = new MetricsBatch(true);
      batch.add('PushSent', 1);
      batch.add('PushSent', 1);
      batch.add('DingTalkLatency', 120, 'Milliseconds');
      batch.flush();
      batch.flush(); // nothing new, nothing written
    } finally {
      output.restore();
    }
    const documents = emfDocuments(output.text());
    expect(documents).toHaveLength(1);
    expect(documents[0]._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: 'dingpush',
        Dimensions: [['Stage']],
        Metrics: [
          { Name: 'PushSent', Unit: 'Count' },
          { Name: 'DingTalkLatency', Unit: 'Milliseconds' },
        ],
      },
    ]);
    expect(documents[0]).toMatchObject({ Stage: 'local', PushSent: [1, 1], DingTalkLatency: 120 });
  });

  it('writes nothing when metrics are switched off', () => {
    const output = captureOutput();
    try {
      const batch = new MetricsBatch(false);
      batch.add('PushSent', 1);
      batch.flush();
    } finally {
      output.restore();
    }
    expect(emfDocuments(output.text())).toEqual([]);
  });
});

describe('the logger', () => {
  it('masks access tokens, signatures and secrets itself, in messages and fields', async () => {
    const { log } = await import('../../lib/log');
    const output = captureOutput();
    try {
      log.error('POST https://oapi.dingtalk.com/robot/send?access_token=0123456789abcdef&sign=abcDEF123%2B failed', {
        secret: 'SEC0123456789abcdef0123456789',
        error: new Error('access_token=fedcba9876543210 refused'),
      });
    } finally {
      output.restore();
    }
    const line = output.text();
    expect(line).toContain('failed');
    for (const secret of ['0123456789abcdef', 'abcDEF123', 'SEC0123456789abcdef0123456789', 'fedcba9876543210'])
      expect(line).not.toContain(secret);
    expect(JSON.parse(line.trim())).toMatchObject({ level: 'error', service: 'dingpush', error: { name: 'Error' } });
  });
});
