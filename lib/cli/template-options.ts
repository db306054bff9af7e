import { InvalidArgumentError, type Command } from 'commander';
import type { TemplateReading } from './pipeline-file';

export type TemplateOptions = Pick<TemplateReading, 'resource' | 'parameter'>;

function collectParameter(text: string, parameters: Record<string, string> = {}): Record<string, string> {
  // Parameters' logical ids are alphanumeric; pseudo-parameters add `AWS::`.
  const match = /^((?:AWS::)?[A-Za-z0-9]+)=(.*)$/s.exec(text);
  if (!match)
    throw new InvalidArgumentError(`"${text}" is not Name=value, where Name is a parameter of the template or a pseudo-parameter such as AWS::AccountId.`);
  return { ...parameters, [match[1]!]: match[2]! };
}

/** `--resource` and `--parameter`, for a file that is a CloudFormation template. */
export function templateOptions(command: Command): Command {
  return command
    .option('--resource <logicalId>', 'with a CloudFormation template: the AWS::CodePipeline::Pipeline to read, when it declares several')
    .option(
      '--parameter <name=value>',
      "with a CloudFormation template: a parameter's value, or a pseudo-parameter's such as AWS::AccountId (repeatable)",
      collectParameter,
    );
}
