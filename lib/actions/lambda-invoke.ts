import type { ActionProvider } from './action-provider';

export const lambdaInvoke: ActionProvider = {
  spec: {
    category: 'Invoke',
    owner: 'AWS',
    provider: 'Lambda',
    version: '1',
    description: 'Invokes a Lambda function that reports back with PutJobSuccessResult.',
    configuration: [
      { name: 'FunctionName', required: true, description: 'The function to invoke.' },
      { name: 'UserParameters', required: false, description: 'A string passed to the function.' },
    ],
    inputArtifacts: { min: 0, max: 5 },
    outputArtifacts: { min: 0, max: 5 },
    outputVariables: 'open',
    runtimes: ['aws'],
  },
};
