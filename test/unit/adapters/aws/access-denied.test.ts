import { explainAccessDenied } from '../../../../lib/adapters/aws/access-denied';
import { AccessDeniedError } from '../../../../lib/core/errors';

/** An error as the SDK throws it for a service's error answer. */
function awsError(name: string, message: string, httpStatusCode: number): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode } });
}

const context = { action: 'dynamodb:PutItem', resource: 'table/sluice-executions' };
const DENIED =
  'User: arn:aws:sts::123456789012:assumed-role/sluice-prod-ActionRunnerRole-1AB2/sluice-prod-actionRunner is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:123456789012:table/sluice-executions because no identity-based policy allows the dynamodb:PutItem action';

describe('explainAccessDenied', () => {
  it.each([
    ['AccessDeniedException', 400],
    ['AccessDenied', 403],
    ['UnauthorizedOperation', 403],
    ['AuthorizationError', 403],
  ])("explains %s, naming the action, the resource and the role from AWS's message", (name, status) => {
    const cause = awsError(name, DENIED, status);

    const explained = explainAccessDenied(cause, context);

    expect(explained).toBeInstanceOf(AccessDeniedError);
    expect(explained.name).toBe('Sluice.AccessDenied');
    expect(explained.message).toContain('sluice-prod-ActionRunnerRole-1AB2 may not call dynamodb:PutItem on table/sluice-executions.');
    expect(explained.cause).toBe(cause);
  });

  it('prefers the role it is told, and says "the function\'s execution role" when nobody knows it', () => {
    const bare = awsError('AccessDenied', 'Access Denied', 403);

    expect(explainAccessDenied(bare, { ...context, role: 'sluice-stage-step' }).message).toMatch(/^Access denied: sluice-stage-step may not call/);
    expect(explainAccessDenied(bare, context).message).toContain("in the policy of the function's execution role.");
  });

  it('leaves credential failures, other AWS errors and plain errors as they are', () => {
    for (const error of [
      awsError('SignatureDoesNotMatch', 'The request signature we calculated does not match', 403),
      awsError('ExpiredTokenException', 'The security token included in the request is expired', 400),
      awsError('ConditionalCheckFailedException', 'The conditional request failed', 400),
      new TypeError('not a stream'),
    ]) {
      expect(explainAccessDenied(error, context)).toBe(error);
    }
  });

  it('adds the execution link to an error explained without one, and keeps one that has it', () => {
    const explained = explainAccessDenied(awsError('AccessDenied', 'Access Denied', 403), context);

    const linked = explainAccessDenied(explained, { action: 'runAction', resource: 'Build/Compile', executionUrl: 'https://sluice.example.com/e/1' });

    expect(linked.message).toContain('dynamodb:PutItem on table/sluice-executions');
    expect(linked.message).toMatch(/Execution: https:\/\/sluice\.example\.com\/e\/1$/);
    expect(explainAccessDenied(linked, { ...context, executionUrl: 'https://elsewhere' })).toBe(linked);
  });
});
