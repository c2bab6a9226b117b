// CloudWatch metrics as Embedded Metric Format lines through Powertools: no API calls, one document per
// worker batch, namespace dingpush with the one dimension Stage that serverless.yml's alarm reads.
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { config } from './config';

type Unit = 'Count' | 'Milliseconds';

export class MetricsBatch {
  private readonly metrics = new Metrics({ namespace: 'dingpush' });

  constructor(private readonly enabled = config.metricsEnabled) {
    // Powertools adds a `service` dimension by default; the alarms match on Stage alone
    this.metrics.clearDefaultDimensions();
    this.metrics.setDefaultDimensions({ Stage: config.stage });
  }

  add(name: string, value: number, unit: Unit = 'Count'): void {
    if (this.enabled) this.metrics.addMetric(name, MetricUnit[unit], value);
  }

  /** Writes the batch (if anything was recorded) as one EMF document on stdout. */
  flush(): void {
    if (this.enabled && this.metrics.hasStoredMetrics()) this.metrics.publishStoredMetrics();
  }
}
