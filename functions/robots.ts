// HTTP: /robots
import { createRobot, deleteRobot, getRobot, listRobots, setRobotEnabled, updateRobot } from '../lib/robots/robotService';
import { sendTestMessage } from '../lib/delivery/testMessage';
import { httpFunction } from './http/httpFunction';

export const handler = httpFunction('robots', {
  createRobot: ({ body }) => createRobot(body),
  listRobots: ({ query }) => listRobots(query),
  getRobot: ({ pathParameters }) => getRobot(pathParameters.id),
  updateRobot: ({ pathParameters, body }) => updateRobot(pathParameters.id, body),
  deleteRobot: ({ pathParameters }) => deleteRobot(pathParameters.id),
  enableRobot: ({ pathParameters }) => setRobotEnabled(pathParameters.id, true),
  disableRobot: ({ pathParameters }) => setRobotEnabled(pathParameters.id, false),
  testRobot: ({ pathParameters, body }) => sendTestMessage(pathParameters.id, body),
});
