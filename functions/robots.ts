// HTTP: /robots
import { createRobot, deleteRobot, getRobot, listRobots, setRobotEnabled, updateRobot } from '../lib/robots/robotService';
import { sendTestMessage } from '../lib/delivery/testMessage';
import { httpFunction } from './http/httpFunction';

export const handler = httpFunction('robots', {
  createRobot: ({ caller, body }) => createRobot(caller, body),
  listRobots: ({ caller, query }) => listRobots(caller, query),
  getRobot: ({ caller, pathParameters }) => getRobot(caller, pathParameters.id),
  updateRobot: ({ caller, pathParameters, body }) => updateRobot(caller, pathParameters.id, body),
  deleteRobot: ({ caller, pathParameters }) => deleteRobot(caller, pathParameters.id),
  enableRobot: ({ caller, pathParameters }) => setRobotEnabled(caller, pathParameters.id, true),
  disableRobot: ({ caller, pathParameters }) => setRobotEnabled(caller, pathParameters.id, false),
  testRobot: ({ caller, pathParameters, body }) => sendTestMessage(caller, pathParameters.id, body),
});
