import * as nexus from 'nexus-rpc';

/** The Nexus service the TypeScript caller workflow calls; shared by the caller (workflow bundle) and the handler. */
export const greetingService = nexus.service('ts-greeting-service', {
  /** Answered synchronously by the handler. */
  echo: nexus.operation<string, string>(),
  /** Backed by a workflow run on the handler's queue; its result comes back through the completion callback. */
  greetLater: nexus.operation<string, string>(),
});
