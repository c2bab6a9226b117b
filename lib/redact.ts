// Masks DingTalk access tokens, signing secrets and signatures in any text that leaves the service.

const accessTokenPattern = /(access_token(?:=|%3D|\\?"?\s*:\s*\\?"))([A-Za-z0-9_-]{0,4})[A-Za-z0-9_\-%]*/gi;
const signPattern = /([?&]sign=)[^&"\s]+/gi;
const secretPattern = /\bSEC[A-Za-z0-9]{6,}/g;

export function redactSecrets(text: string): string {
  return text
    .replace(accessTokenPattern, (_match, prefix: string, head: string) => `${prefix}${head}****`)
    .replace(signPattern, '$1****')
    .replace(secretPattern, 'SEC****');
}

/** `...access_token=ab12****`: enough for an admin to recognise the robot, useless to anyone else. */
export function maskWebhookUrl(webhookUrl: string): string {
  const url = new URL(webhookUrl);
  const token = url.searchParams.get('access_token') ?? '';
  const head = token.length >= 12 ? token.slice(0, 4) : '';
  return `${url.origin}${url.pathname}?access_token=${head}****`;
}
