// The message a template renders, before any chat service's body is made of it. It has DingTalk's shapes,
// the first service's, because they hold everything the others show; each adapter turns it into its own body.

export interface AtSettings {
  atMobiles?: string[];
  atUserIds?: string[];
  isAtAll?: boolean;
}

export type RenderedMessage =
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

export type ActionCard = Extract<RenderedMessage, { msgtype: 'actionCard' }>['actionCard'];

/** A body's size as the service counts it: its JSON in UTF-8. */
export function messageBytes(message: unknown): number {
  return Buffer.byteLength(JSON.stringify(message), 'utf8');
}

/** An action card's buttons, whether it has one (`singleTitle`) or several (`btns`). */
export function actionCardButtons(card: ActionCard): { title: string; url: string }[] {
  return 'btns' in card
    ? card.btns.map((button) => ({ title: button.title, url: button.actionURL }))
    : [{ title: card.singleTitle, url: card.singleURL }];
}

/** Every piece of text a person sees in the group: keyword checks look at these. */
export function visibleText(message: RenderedMessage): string {
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

/** The mentions as a message carries them, or undefined when there are none. */
export function atSettings(mention: AtSettings | undefined): AtSettings | undefined {
  if (!mention) return undefined;
  const { atMobiles = [], atUserIds = [], isAtAll = false } = mention;
  if (atMobiles.length === 0 && atUserIds.length === 0 && !isAtAll) return undefined;
  return { atMobiles, atUserIds, isAtAll };
}

/** A mention only fires when "@<mobile>" (or "@<userId>") is in the text too; add the missing ones at the end. */
export function withMentions(text: string, mention: AtSettings | undefined): string {
  const handles = [...(mention?.atMobiles ?? []), ...(mention?.atUserIds ?? [])].map((id) => `@${id}`);
  const missing = handles.filter((handle) => !text.includes(handle));
  return missing.length === 0 ? text : `${text}\n\n${missing.join(' ')}`;
}

/** The text without the "@<id>" handles withMentions added, for services that mention in their own syntax. */
export function withoutMentions(text: string, mention: AtSettings | undefined): string {
  return [...(mention?.atMobiles ?? []), ...(mention?.atUserIds ?? [])].reduce(
    (rest, id) => rest.replace(`\n\n@${id}`, '').replace(` @${id}`, ''),
    text,
  );
}
