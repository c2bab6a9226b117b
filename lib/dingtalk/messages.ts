// The DingTalk robot message bodies, exactly as sent on the wire: only the fields DingTalk documents
// (DingTalk's robot/send documentation). There is no idempotency key among them.

export interface AtSettings {
  atMobiles?: string[];
  atUserIds?: string[];
  isAtAll?: boolean;
}

export type DingTalkMessage =
  | { msgtype: 'text'; text: { content: string }; at?: AtSettings }
  | { msgtype: 'markdown'; markdown: { title: string; text: string }; at?: AtSettings }
  | { msgtype: 'link'; link: { title: string; text: string; messageUrl: string; picUrl?: string } }
  | {
      msgtype: 'actionCard';
      actionCard:
        | { title: string; text: string; singleTitle: string; singleURL: string; btnOrientation?: '0' | '1' }
        | { title: string; text: string; btnOrientation?: '0' | '1'; btns: { title: string; actionURL: string }[] };
    }
  | { msgtype: 'feedCard'; feedCard: { links: { title: string; messageURL: string; picURL?: string }[] } };

/** DingTalk rejects bodies over this many bytes with errcode 460101. */
export const maxMessageBytes = 20_000;

export function messageBytes(message: unknown): number {
  return Buffer.byteLength(JSON.stringify(message), 'utf8');
}

/** An action card's buttons, whether it has one (`singleTitle`) or several (`btns`). */
export function actionCardButtons(
  card: Extract<DingTalkMessage, { msgtype: 'actionCard' }>['actionCard'],
): { title: string; url: string }[] {
  return 'btns' in card
    ? card.btns.map((button) => ({ title: button.title, url: button.actionURL }))
    : [{ title: card.singleTitle, url: card.singleURL }];
}

/** Every piece of text a person sees in the group; DingTalk's keyword check looks at these. */
export function visibleText(message: DingTalkMessage): string {
  switch (message.msgtype) {
    case 'text':
      return message.text.content;
    case 'markdown':
      return `${message.markdown.title}\n${message.markdown.text}`;
    case 'link':
      return `${message.link.title}\n${message.link.text}`;
    case 'actionCard': {
      const card = message.actionCard;
      return [card.title, card.text, ...actionCardButtons(card).map((button) => button.title)].join('\n');
    }
    case 'feedCard':
      return message.feedCard.links.map((link) => link.title).join('\n');
  }
}
