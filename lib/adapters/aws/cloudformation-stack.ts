import { DescribeStacksCommand, type CloudFormationClient, type Stack } from '@aws-sdk/client-cloudformation';
import { withAccessExplained, type AccessDeniedOptions } from './access-denied';

/** A deployed stack as DescribeStacks tells it: its status, and its outputs by key. */
export interface DeployedStack {
  status: string;
  outputs: Record<string, string>;
}

/** CloudFormation's answer for a stack name it does not know: a ValidationError, not a 404. */
const NO_SUCH_STACK = /does not exist/;

/** The stack of that name in the client's region, or undefined when there is none. */
export async function describeStack(client: CloudFormationClient, stackName: string, options: AccessDeniedOptions = {}): Promise<DeployedStack | undefined> {
  const resource = `arn:aws:cloudformation:${await client.config.region()}:*:stack/${stackName}/*`;
  let stacks: Stack[] | undefined;
  try {
    ({ Stacks: stacks } = await withAccessExplained({ action: 'cloudformation:DescribeStacks', resource, role: options.roleName }, () =>
      client.send(new DescribeStacksCommand({ StackName: stackName })),
    ));
  } catch (error) {
    if (error instanceof Error && error.name === 'ValidationError' && NO_SUCH_STACK.test(error.message)) return undefined;
    throw error;
  }
  const stack = stacks?.[0];
  if (!stack) return undefined;
  const outputs = (stack.Outputs ?? []).flatMap(({ OutputKey, OutputValue }) =>
    OutputKey && OutputValue !== undefined ? [[OutputKey, OutputValue] as const] : [],
  );
  return { status: stack.StackStatus ?? 'UNKNOWN', outputs: Object.fromEntries(outputs) };
}
