// HTTP: /robots
import {
  createRobotSchema,
  listRobotsQuerySchema,
  testRobotSchema,
  updateRobotSchema,
  type CreateRobotInput,
  type ListRobotsQuery,
  type TestRobotInput,
  type UpdateRobotInput,
} from '../schemas/robot';
import { createRobot, deleteRobot, getRobot, listRobots, setRobotEnabled, updateRobot } from '../lib/robots/robotService';
import { sendTestMessage } from '../lib/delivery/testMessage';
import { validateBody, validateQuery } from '../lib/validation/validate';
import { httpFunction } from './http/httpFunction';

export const handler = httpFunction({
  'POST /robots': {
    scope: 'admin',
    handle: async ({ body }) => ({ status: 201, body: await createRobot(validateBody<CreateRobotInput>(createRobotSchema, body)) }),
  },
  'GET /robots': {
    scope: 'admin',
    handle: async ({ query }) => ({ status: 200, body: await listRobots(validateQuery<ListRobotsQuery>(listRobotsQuerySchema, query)) }),
  },
  'GET /robots/{id}': {
    scope: 'admin',
    handle: async ({ pathParameters }) => ({ status: 200, body: await getRobot(pathParameters.id) }),
  },
  'PATCH /robots/{id}': {
    scope: 'admin',
    handle: async ({ pathParameters, body }) => ({
      status: 200,
      body: await updateRobot(pathParameters.id, validateBody<UpdateRobotInput>(updateRobotSchema, body)),
    }),
  },
  'DELETE /robots/{id}': {
    scope: 'admin',
    handle: async ({ pathParameters }) => {
      await deleteRobot(pathParameters.id);
      return { status: 204 };
    },
  },
  'POST /robots/{id}/enable': {
    scope: 'admin',
    handle: async ({ pathParameters }) => ({ status: 200, body: await setRobotEnabled(pathParameters.id, true) }),
  },
  'POST /robots/{id}/disable': {
    scope: 'admin',
    handle: async ({ pathParameters }) => ({ status: 200, body: await setRobotEnabled(pathParameters.id, false) }),
  },
  'POST /robots/{id}/test': {
    scope: 'admin',
    handle: async ({ pathParameters, body }) => ({
      status: 200,
      body: await sendTestMessage(pathParameters.id, validateBody<TestRobotInput>(testRobotSchema, body ?? {})),
    }),
  },
});
