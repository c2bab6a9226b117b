// A chat simulator driven over its control API: the shared one from globalSetup, or any other by its URL
// (the one `npm start` runs, for e2e tests and benchmarks).
import { randomBytes } from 'node:crypto';
import type { FaultKind, FaultRates, ReceivedMessage, RequestLogEntry } from '../../scripts/chat-simulator';

export interface TestRobotSettings {
  channel?: 'dingtalk' | 'wecom' | 'feishu';
  secret?: string;
  keywords?: string[];
  rateLimit?: { messages: number; windowMs: number } | null;
  slowMs?: number;
  redirectTo?: string;
}

export function simulatorAt(url: () => string) {
  // any by default, as JSON is: each test reads the fields of the control route it calls
  async function control<T = any>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${url()}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`simulator ${method} ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  }
  return {
    /** Any control route (`/_sim/...`), its JSON answer; a refusal throws. The app API's: docs/running.md. */
    control,
    /** Registers a robot (a fresh unique token unless one is given) and returns its token and webhook URL. */
    async registerRobot(
      settings: TestRobotSettings = {},
      token = `tok${randomBytes(12).toString('hex')}`,
    ): Promise<{ token: string; webhookUrl: string }> {
      const { webhookUrl } = await control<{ webhookUrl: string }>('POST', '/_sim/robots', { token, ...settings });
      return { token, webhookUrl };
    },
    async setFaults(token: string, faults: { rates?: FaultRates; next?: FaultKind[] }): Promise<void> {
      await control('POST', `/_sim/faults?access_token=${token}`, faults);
    },
    async messages(token: string): Promise<ReceivedMessage[]> {
      return (await control<{ items: ReceivedMessage[] }>('GET', `/_sim/messages?access_token=${token}`)).items;
    },
    /** Messages to any of these robots (a group's pool), in the order the simulator took them. */
    async messagesToAny(tokens: string[]): Promise<ReceivedMessage[]> {
      return (await control<{ items: ReceivedMessage[] }>('GET', '/_sim/messages')).items.filter((message) =>
        tokens.includes(message.token),
      );
    },
    async requests(token: string): Promise<RequestLogEntry[]> {
      return (await control<{ items: RequestLogEntry[] }>('GET', `/_sim/requests?access_token=${token}`)).items;
    },
  };
}

/** The integration tests' shared simulator. */
export const simulator = simulatorAt(() => process.env.SIMULATOR_URL as string);
