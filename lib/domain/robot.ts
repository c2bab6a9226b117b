// A group robot as the service knows it: where it posts, what it receives, how it delivers. The stores keep
// it; everything else reads it.
import type { weekdays } from '../../schemas/robot';
import type { Channel } from '../channels';
import type { AtSettings } from '../channels/message';

export interface Robot {
  id: string;
  workspaceId: string;
  name: string;
  /** The chat service the robot posts to, fixed when it is made. */
  channel: Channel;
  /** Sealed (lib/secrets) once read from the table; plain when it comes from a request. Absent on an app robot. */
  webhookUrl?: string;
  /** An app robot's app and group (channel dingtalk-app), instead of a webhook. */
  app?: AppTarget;
  /** `...access_token=ab12****`, kept beside the sealed URL so listing robots opens no secret. */
  webhookUrlMasked?: string;
  /** Sealed like webhookUrl. */
  secret?: string;
  /** More webhooks of robots in the same group, credentials sealed like the first's. */
  pool?: PoolWebhook[];
  templateId: string;
  reports: string[];
  keywords: string[];
  mention?: AtSettings;
  enabled: boolean;
  /** Waiting pushes merged into one message: when on, and past how many. */
  digest?: { enabled: boolean; after?: number };
  quietHours?: QuietHours;
  /** A push whose attempt ended uncertain is sent again (`resend`) or left `unconfirmed` for an admin (`hold`). */
  onUncertain: 'resend' | 'hold';
  disabledReason?: string;
  /** Set when the service disabled the robot itself: how many pushes failed in a row, and the last answer. */
  disabledAutomatically?: { failures: number; errcode?: number; errmsg: string };
  consecutiveFailures: number;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** Where an app robot sends: its DingTalk app (/dingtalk-apps) and the group. */
export interface AppTarget {
  appId: string;
  openConversationId: string;
}

/** Hours the robot sends nothing but urgent pushes; the rest wait until they end. */
export interface QuietHours {
  from: string;
  to: string;
  timeZone: string;
  days?: (typeof weekdays)[number][];
}

export interface PoolWebhook {
  /** Stable across edits of the pool, so each webhook keeps its own send window: a digest of its URL. */
  key: string;
  webhookUrl: string;
  webhookUrlMasked?: string;
  secret?: string;
}
