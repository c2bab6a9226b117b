// Structured JSON logging. Everything logged passes through redactSecrets first, so a stray token never lands in a log.
import { redactSecrets } from './redact';

type Level = 'debug' | 'info' | 'warn' | 'error';
const levelOrder: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };
// 'warning' is the Serverless Framework's name for warn: `npm start` sets it so serverless-offline's own
// logger (which reads the same variable) quiets too
const configuredLevel = process.env.LOG_LEVEL === 'warning' ? 'warn' : (process.env.LOG_LEVEL as Level | undefined);
const threshold = levelOrder[configuredLevel ?? 'info'] ?? levelOrder.info;

function write(level: Level, message: string, fields: Record<string, unknown>): void {
  if (levelOrder[level] < threshold) return;
  const line = JSON.stringify({ level, time: new Date().toISOString(), message, ...fields }, (_key, value) =>
    value instanceof Error ? { name: value.name, message: value.message } : value,
  );
  const output = redactSecrets(line) + '\n';
  if (level === 'error' || level === 'warn') process.stderr.write(output);
  else process.stdout.write(output);
}

export const log = {
  debug: (message: string, fields: Record<string, unknown> = {}) => write('debug', message, fields),
  info: (message: string, fields: Record<string, unknown> = {}) => write('info', message, fields),
  warn: (message: string, fields: Record<string, unknown> = {}) => write('warn', message, fields),
  error: (message: string, fields: Record<string, unknown> = {}) => write('error', message, fields),
};
