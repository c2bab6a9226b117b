// Structured JSON logging through Powertools' Logger. Its formatter passes every line through
// redactSecrets, so access tokens, signatures and SEC secrets are masked by the logger itself.
import { LogFormatter, LogItem, Logger } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';
import { redactSecrets } from './redact';

class RedactingLogFormatter extends LogFormatter {
  formatAttributes(attributes: UnformattedAttributes, additionalLogAttributes: LogAttributes): LogItem {
    const line = {
      level: attributes.logLevel.toLowerCase(),
      time: this.formatTimestamp(attributes.timestamp),
      message: attributes.message,
      service: attributes.serviceName,
      ...(attributes.lambdaContext && { requestId: attributes.lambdaContext.awsRequestId }),
      ...additionalLogAttributes,
    };
    // errors as name and message only: stack traces and SDK internals stay out of the logs
    const text = JSON.stringify(line, (_key, value: unknown) =>
      value instanceof Error ? { name: value.name, message: value.message } : value,
    );
    return new LogItem({ attributes: JSON.parse(redactSecrets(text)) as LogAttributes });
  }
}

const levels: Record<string, 'DEBUG' | 'INFO' | 'WARN' | 'ERROR'> = { debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR' };

const logger = new Logger({
  serviceName: 'dingpush',
  logLevel: levels[process.env.LOG_LEVEL ?? 'info'] ?? 'INFO',
  logFormatter: new RedactingLogFormatter(),
});

export const log = {
  debug: (message: string, fields: Record<string, unknown> = {}) => logger.debug(message, fields),
  info: (message: string, fields: Record<string, unknown> = {}) => logger.info(message, fields),
  warn: (message: string, fields: Record<string, unknown> = {}) => logger.warn(message, fields),
  error: (message: string, fields: Record<string, unknown> = {}) => logger.error(message, fields),
};
