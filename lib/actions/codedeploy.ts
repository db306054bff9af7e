import type { ActionProvider } from './action-provider';
import { artifactCounts } from './action-provider';

export const codeDeploy: ActionProvider = {
  spec: {
    category: 'Deploy',
    owner: 'AWS',
    provider: 'CodeDeploy',
    version: '1',
    description: 'Deploys a revision with a CodeDeploy deployment group.',
    configuration: [
      { name: 'ApplicationName', required: true, description: 'The CodeDeploy application.' },
      { name: 'DeploymentGroupName', required: true, description: 'The deployment group.' },
    ],
    inputArtifacts: artifactCounts.one,
    outputArtifacts: artifactCounts.none,
    outputVariables: [],
    runtimes: ['aws'],
  },
};
