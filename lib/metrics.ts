// CloudWatch metrics as Embedded Metric Format log lines: no API calls, one line per worker batch.
import { config } from './config';

type Unit = 'Count' | 'Milliseconds' | 'Seconds';

export class MetricsBatch {
  private values = new Map<string, { unit: Unit; values: number[] }>();

  constructor(private readonly enabled = config.metricsEnabled) {}

  add(name: string, value: number, unit: Unit = 'Count'): void {
    const metric = this.values.get(name) ?? { unit, values: [] };
    metric.values.push(value);
    this.values.set(name, metric);
  }

  /** Writes the batch (if anything was recorded) as one EMF document. */
  flush(write: (line: string) => void = (line) => process.stdout.write(line + '\n')): void {
    if (this.values.size === 0 || !this.enabled) return;
    const document: Record<string, unknown> = {
      _aws: {
        Timestamp: Date.now(),
        CloudWatchMetrics: [
          {
            Namespace: 'dingpush',
            Dimensions: [['Stage']],
            Metrics: [...this.values].map(([name, { unit }]) => ({ Name: name, Unit: unit })),
          },
        ],
      },
      Stage: config.stage,
    };
    for (const [name, { values }] of this.values) document[name] = values.length === 1 ? values[0] : values;
    write(JSON.stringify(document));
    this.values.clear();
  }
}
