// A change and its audit event are one transaction: DynamoDB Local stopped in the middle of the request
// leaves neither. This file runs against its own DynamoDB Local (useOwnDynamoDb).
import { randomUUID } from 'node:crypto';
import { api } from '../support/api';
import { useOwnDynamoDb } from '../support/ownDatabase';
import { simulator } from '../support/simulator';
import { allItems } from '../support/tableItems';

const database = useOwnDynamoDb('audit-atomic');

it('leaves neither the robot nor its event when DynamoDB stops while the change is being written', async () => {
  const template = (await api('POST', '/templates', { body: { name: 'Atomic', msgType: 'text', text: 'x' } })).body;
  const { webhookUrl } = await simulator.registerRobot();
  const { dynamodb } = await import('../../lib/aws/clients');
  let stopNextTransaction = true;
  dynamodb.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'TransactWriteItemsCommand' && stopNextTransaction) {
        stopNextTransaction = false;
        await database.stop();
      }
      return next(args);
    },
    { step: 'initialize', name: 'stopDatabaseMidRequest' },
  );
  const name = `Atomic ${randomUUID().slice(0, 8)}`;
  const answer = await api('POST', '/robots', { body: { name, webhookUrl, templateId: template.id } });
  expect(answer.status).toBe(500);
  expect(answer.body.error.code).toBe('Internal');

  await database.start();
  const items = await allItems();
  expect(items.filter((item) => item.name === name)).toEqual([]);
  expect(items.filter((item) => item.action === 'robot.create')).toEqual([]);
  // the template's own creation was written with its event, before
  expect(items.filter((item) => item.action === 'template.create')).toHaveLength(1);
  // and the same request afterwards writes both
  const retried = await api('POST', '/robots', { body: { name, webhookUrl, templateId: template.id } });
  expect(retried.status).toBe(201);
  const after = await allItems();
  expect(after.filter((item) => item.sk === 'ROBOT' && item.name === name)).toHaveLength(1);
  expect(after.filter((item) => item.action === 'robot.create')).toHaveLength(1);
}, 120_000);
