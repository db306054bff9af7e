import { Option, type Command } from 'commander';
import { dataDirOption, type LocalOptions } from './local-options';

export const TARGETS = ['local', 'aws'] as const;
export type Target = (typeof TARGETS)[number];

export interface TargetOptions extends LocalOptions {
  target: Target;
  /** With --target aws: the stage the stack was deployed with. */
  stage: string;
  /** With --target aws: the stack's region, when not the SDK's own. */
  region?: string;
}

/** The stage that serverless.yml deploys when none is given. */
const DEFAULT_STAGE = 'dev';

/** `--target local|aws`: the local installation (`--data-dir`), or the stack `sluice-<stage>` on AWS. */
export function targetOptions(command: Command): Command {
  return dataDirOption(command)
    .addOption(new Option('--target <target>', 'where the pipelines are: this machine, or the Sluice stack on AWS').choices(TARGETS).default('local'))
    .option('--stage <stage>', 'with --target aws: the stage the stack was deployed with (the stack is sluice-<stage>)', DEFAULT_STAGE)
    .option('--region <region>', "with --target aws: the stack's region (by default AWS_REGION, or the profile's)");
}
