// The shared DingTalk simulator from globalSetup, driven over its control API.
import { randomBytes } from 'node:crypto';
import type { FaultKind, FaultRates, ReceivedMessage, RequestLogEntry } from '../../scripts/dingtalk-simulator';

const url = () => process.env.SIMULATOR_URL as string;

async function control<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${url()}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!response.ok) throw new Error(`simulator ${method} ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

export interface TestRobotSettings {
  secret?: string;
  keywords?: string[];
  rateLimit?: { messages: number; windowMs: number } | null;
  slowMs?: number;
  redirectTo?: string;
}

export const simulator = {
  /** Registers a fresh robot (unique token) and returns its token and webhook URL. */
  async registerRobot(settings: TestRobotSettings = {}): Promise<{ token: string; webhookUrl: string }> {
    const token = `tok${randomBytes(12).toString('hex')}`;
    const { webhookUrl } = await control<{ webhookUrl: string }>('POST', '/_sim/robots', { token, ...settings });
    return { token, webhookUrl };
  },
  async setFaults(token: string, faults: { rates?: FaultRates; next?: FaultKind[] }): Promise<void> {
    await control('POST', `/_sim/faults?access_token=${token}`, faults);
  },
  async messages(token: string): Promise<ReceivedMessage[]> {
    return (await control<{ items: ReceivedMessage[] }>('GET', `/_sim/messages?access_token=${token}`)).items;
  },
  async requests(token: string): Promise<RequestLogEntry[]> {
    return (await control<{ items: RequestLogEntry[] }>('GET', `/_sim/requests?access_token=${token}`)).items;
  },
};
