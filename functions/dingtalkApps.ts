// HTTP: /dingtalk-apps, and the app robots' message callback (open: DingTalk's signature is its credential)
import { createApp, deleteApp, getApp, listApps, listGroups, receiveCallback, updateApp } from '../lib/dingtalkApps/appService';
import { httpFunction } from './http/httpFunction';

export const handler = httpFunction('dingtalkApps', {
  createDingTalkApp: ({ caller, body, origin }) => createApp(caller, body, origin),
  listDingTalkApps: ({ caller, query, origin }) => listApps(caller, query, origin),
  getDingTalkApp: ({ caller, pathParameters, origin }) => getApp(caller, pathParameters.id, origin),
  updateDingTalkApp: ({ caller, pathParameters, body, origin }) => updateApp(caller, pathParameters.id, body, origin),
  deleteDingTalkApp: ({ caller, pathParameters }) => deleteApp(caller, pathParameters.id),
  listDingTalkAppGroups: ({ caller, pathParameters }) => listGroups(caller, pathParameters.id),
  receiveDingTalkCallback: {
    rawBody: true,
    handle: ({ pathParameters, header, body }) =>
      receiveCallback(pathParameters.appId, { timestamp: header('timestamp'), sign: header('sign') }, String(body ?? '')),
  },
});
