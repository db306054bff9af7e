import { BadInputError } from '../../core/errors';
import type { RuleProvider } from './rule-provider';

/**
 * CodePipeline's LambdaInvoke rule. Its reference does not say what the function is sent or how
 * it answers: Sluice invokes it synchronously with the execution, stage, rule and UserParameters,
 * and the rule passes when the function returns without an error.
 */
export const lambdaInvokeRule: RuleProvider = {
  spec: {
    provider: 'LambdaInvoke',
    version: '1',
    description: 'Invokes a Lambda function with the UserParameters; passes when it returns without an error.',
    configuration: [
      { name: 'FunctionName', required: true, description: 'The function to invoke.' },
      { name: 'UserParameters', required: false, description: 'A string passed to the function.' },
    ],
    inputArtifacts: { min: 0, max: 5 },
    service: 'lambda',
    runtimes: ['aws', 'local'],
  },
  async check({ rule, lambdaFunctions: functions, pipelineName, executionId, stageName, inputArtifacts }) {
    if (!functions) throw new BadInputError('No Lambda endpoint is configured here.');
    const { FunctionName: name = '', UserParameters: userParameters } = rule.configuration ?? {};
    const event = { pipelineName, pipelineExecutionId: executionId, stageName, ruleName: rule.name, userParameters, inputArtifacts };
    try {
      const answer = await functions.invoke(name, JSON.stringify(event), rule.region);
      if (answer.functionError) return { passed: false, summary: `${name} failed (${answer.functionError}): ${answer.payload}`, externalExecutionId: name };
      return { passed: true, summary: `${name} returned ${answer.payload}`, externalExecutionId: name };
    } catch (error) {
      return { passed: false, summary: `${name} could not be invoked: ${(error as Error).message}` };
    }
  },
};
