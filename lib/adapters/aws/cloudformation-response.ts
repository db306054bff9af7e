import type { MiddlewareObj } from '@middy/core';
import type { CloudFormationCustomResourceEvent, CloudFormationCustomResourceResponse, Context } from 'aws-lambda';

/** What the handler of a custom resource returns: the id of the resource it created, updated or deleted. */
export interface CustomResourceResult {
  PhysicalResourceId: string;
}

/**
 * The id answered for a Create that failed, which created nothing. CloudFormation sends a Delete
 * of it as it rolls back; that Delete is answered at once, without calling the handler.
 */
export const CREATE_FAILED = 'sluice:create-failed';

/**
 * CloudFormation refuses a response body over 4096 bytes, so a long error is cut in the Reason;
 * the function's log keeps it whole.
 */
const MAX_REASON_LENGTH = 1000;

type Outcome = { Status: 'SUCCESS'; PhysicalResourceId: string } | { Status: 'FAILED'; PhysicalResourceId: string; Reason: string };

/**
 * Answers CloudFormation for the function of a custom resource. CloudFormation ignores what the
 * function returns and waits for the outcome to be PUT to the request's pre-signed ResponseURL:
 * SUCCESS with the handler's PhysicalResourceId, or FAILED with the error as the Reason. The error
 * is thrown on after the answer, so that Lambda logs and counts it.
 *
 * @example
 * export const handler = middy(async (event) => ({ PhysicalResourceId: 'my-resource' })).use(cloudFormationResponse());
 */
export function cloudFormationResponse(): MiddlewareObj<CloudFormationCustomResourceEvent, CustomResourceResult, Error, Context> {
  return {
    before: async ({ event }) => {
      if (event.RequestType !== 'Delete' || event.PhysicalResourceId !== CREATE_FAILED) return undefined;
      await respond(event, { Status: 'SUCCESS', PhysicalResourceId: CREATE_FAILED });
      return { PhysicalResourceId: CREATE_FAILED };
    },
    after: async ({ event, response }) => {
      await respond(event, { Status: 'SUCCESS', PhysicalResourceId: response!.PhysicalResourceId });
    },
    onError: async ({ event, error, context }) => {
      const message = error?.message ?? String(error);
      await respond(event, {
        Status: 'FAILED',
        Reason: `${message.length > MAX_REASON_LENGTH ? `${message.slice(0, MAX_REASON_LENGTH)}...` : message} (log stream ${context.logStreamName})`,
        // A failed Update keeps the resource it had; a different id would tell CloudFormation to replace it.
        PhysicalResourceId: event.RequestType === 'Create' ? CREATE_FAILED : event.PhysicalResourceId,
      });
    },
  };
}

async function respond(event: CloudFormationCustomResourceEvent, outcome: Outcome): Promise<void> {
  const answer: CloudFormationCustomResourceResponse = {
    ...outcome,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
  };
  // The URL is pre-signed for a PUT without a content type; fetch would add one to a text body.
  const response = await fetch(event.ResponseURL, { method: 'PUT', headers: { 'content-type': '' }, body: JSON.stringify(answer) });
  if (!response.ok) {
    throw new Error(
      `CloudFormation's response URL refused the ${outcome.Status} answer for ${event.LogicalResourceId} with HTTP ${response.status}: ${await response.text()}`,
    );
  }
}
