import type { ActionProvider } from './action-provider';
import { artifactCounts } from './action-provider';
import type { ProviderSpec } from '../core/providers';

export const manualApprovalSpec: ProviderSpec = {
  category: 'Approval',
  owner: 'AWS',
  provider: 'Manual',
  version: '1',
  description: 'Waits for a person to approve or reject, through an emailed link or the API.',
  configuration: [
    { name: 'NotificationArn', required: false, description: 'The SNS topic that receives the approval request.' },
    { name: 'CustomData', required: false, description: 'Text shown to the approver.' },
    { name: 'ExternalEntityLink', required: false, description: 'A URL for the approver to review.' },
  ],
  inputArtifacts: artifactCounts.none,
  outputArtifacts: artifactCounts.none,
  outputVariables: [],
  runtimes: ['aws', 'local'],
  // On AWS its request goes out through the stack's SNS topic, with the stack's own role.
  runsWithoutAwsOn: ['aws', 'local'],
  integration: 'approval',
  cost: { pricedAs: 'wait' },
};

export const manualApproval: ActionProvider = {
  spec: manualApprovalSpec,
};
