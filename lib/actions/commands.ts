import type { ActionProvider } from './action-provider';

/** CodePipeline's Commands action: shell commands, with files and variables declared on the action. */
export const commands: ActionProvider = {
  spec: {
    category: 'Compute',
    owner: 'AWS',
    provider: 'Commands',
    version: '1',
    description: 'Runs the action\'s `commands` in a shell, in a workspace made from the input artifacts.',
    configuration: [],
    inputArtifacts: { min: 1, max: 10 },
    outputArtifacts: { min: 0, max: 1 },
    outputVariables: 'declared',
    runtimes: ['aws', 'local'],
  },
};
