export default async function globalTeardown(): Promise<void> {
  const stack = (globalThis as Record<string, any>).__localStack;
  if (!stack) return;
  await Promise.all([stack.dynamodb.stop(), stack.sqs.stop(), stack.simulator.close()]);
}
