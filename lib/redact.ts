// Masks webhook credentials (DingTalk's access_token, WeCom's key, Feishu's hook token), signing secrets,
// signatures and dingpush's own API tokens in any text that leaves the service.

const accessTokenPattern = /((?:access_token|[?&]key)(?:=|%3D|\\?"?\s*:\s*\\?"))([A-Za-z0-9_-]{0,4})[A-Za-z0-9_\-%]*/gi;
const hookTokenPattern = /(\/open-apis\/bot\/v2\/hook\/)([A-Za-z0-9_-]{0,4})[A-Za-z0-9_\-%]*/gi;
const signPattern = /([?&]sign=)[^&"\s]+/gi;
const secretPattern = /\bSEC[A-Za-z0-9]{6,}/g;
/** dingpush's own API tokens (docs/teams.md): their prefix stays, enough to tell which. */
const apiTokenPattern = /\b(dp_[0-9A-Za-z]{8})[0-9A-Za-z]{53}\b/g;

export function redactSecrets(text: string): string {
  return text
    .replace(accessTokenPattern, (_match, prefix: string, head: string) => `${prefix}${head}****`)
    .replace(hookTokenPattern, (_match, prefix: string, head: string) => `${prefix}${head}****`)
    .replace(signPattern, '$1****')
    .replace(secretPattern, 'SEC****')
    .replace(apiTokenPattern, '$1****');
}

/** `...access_token=ab12****` (`key=`, `/hook/`): enough for an admin to recognise the robot, useless to anyone else. */
export function maskWebhookUrl(webhookUrl: string): string {
  const url = new URL(webhookUrl);
  const masked = (token: string) => `${token.length >= 12 ? token.slice(0, 4) : ''}****`;
  const hook = /^(\/open-apis\/bot\/v2\/hook\/)(.*)$/.exec(url.pathname);
  if (hook) return `${url.origin}${hook[1]}${masked(hook[2])}`;
  const name = url.searchParams.has('key') ? 'key' : 'access_token';
  return `${url.origin}${url.pathname}?${name}=${masked(url.searchParams.get(name) ?? '')}`;
}
