import * as nexus from 'nexus-rpc';
import { WorkflowRunOperationHandler, startWorkflow } from '@temporalio/nexus';
import { greetingService } from './nexus-api';
import { nexusHandlerWorkflow } from './workflows';

/** The handler side of {@link greetingService}, served by a TypeScript worker. */
export const greetingServiceHandler = nexus.serviceHandler(greetingService, {
  echo: async (_ctx, input: string) => `echo: ${input}`,
  greetLater: new WorkflowRunOperationHandler<string, string>(async (ctx, input: string) =>
    await startWorkflow(ctx, nexusHandlerWorkflow, { args: [input], workflowId: `nexus-handler-${ctx.requestId}` })),
});
