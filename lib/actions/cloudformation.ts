import type { ActionProvider } from './action-provider';

export const cloudFormation: ActionProvider = {
  spec: {
    category: 'Deploy',
    owner: 'AWS',
    provider: 'CloudFormation',
    version: '1',
    description: 'Creates, updates or deletes a CloudFormation stack or change set.',
    configuration: [
      { name: 'ActionMode', required: true, description: 'CREATE_UPDATE, DELETE_ONLY, REPLACE_ON_FAILURE, CHANGE_SET_REPLACE or CHANGE_SET_EXECUTE.' },
      { name: 'StackName', required: true, description: 'The stack.' },
      { name: 'Capabilities', required: false, description: 'CAPABILITY_IAM, CAPABILITY_NAMED_IAM, CAPABILITY_AUTO_EXPAND, comma-separated.' },
      { name: 'ChangeSetName', required: false, description: 'The change set, for the CHANGE_SET modes.' },
      { name: 'TemplatePath', required: false, description: 'ArtifactName::path of the template.' },
      { name: 'TemplateConfiguration', required: false, description: 'ArtifactName::path of a template configuration file.' },
      { name: 'ParameterOverrides', required: false, description: 'A JSON object of parameter values.' },
      { name: 'RoleArn', required: false, description: 'The role CloudFormation assumes.' },
      { name: 'OutputFileName', required: false, description: 'A file in the output artifact that receives the stack outputs.' },
    ],
    inputArtifacts: { min: 0, max: 10 },
    outputArtifacts: { min: 0, max: 1 },
    outputVariables: 'open',
    runtimes: ['aws'],
  },
};
