import type { ActionProvider } from './action-provider';

export const stepFunctionsInvoke: ActionProvider = {
  spec: {
    category: 'Invoke',
    owner: 'AWS',
    provider: 'StepFunctions',
    version: '1',
    description: 'Starts a Step Functions state machine and waits for it to finish.',
    configuration: [
      { name: 'StateMachineArn', required: true, description: 'The state machine to start.' },
      { name: 'ExecutionNamePrefix', required: false, description: 'A prefix for the execution name.' },
      { name: 'InputType', required: false, description: 'Literal (default) or FilePath.' },
      { name: 'Input', required: false, description: 'The input: JSON text, or a file path in the input artifact.' },
    ],
    inputArtifacts: { min: 0, max: 1 },
    outputArtifacts: { min: 0, max: 1 },
    outputVariables: ['ExecutionArn', 'StateMachineArn'],
    runtimes: ['aws'],
  },
};
