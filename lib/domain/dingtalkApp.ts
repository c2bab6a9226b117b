// A DingTalk enterprise internal app whose robot sends to groups through the OpenAPI, and the groups its
// robot was found in (the message callback tells them when someone @-mentions it).

export interface DingTalkApp {
  id: string;
  workspaceId: string;
  name: string;
  appKey: string;
  /** Sealed (lib/secrets) once stored; plain when it comes from a request. */
  appSecret: string;
  robotCode: string;
  /** Robots that send through it: an app in use cannot be deleted (robots keep it counted, in their transactions). */
  robotCount?: number;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface DingTalkGroup {
  openConversationId: string;
  title: string;
  lastSeenAt: string;
}
