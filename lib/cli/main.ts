import { Command, CommanderError } from 'commander';
import packageJson from '../../package.json';
import { registerActionExecutionCommands } from './commands/action-executions';
import { registerAudit } from './commands/audit';
import { registerCompile } from './commands/compile';
import { registerConsole } from './commands/console';
import { registerCost } from './commands/cost';
import { registerCredentials } from './commands/credentials';
import { registerExample } from './commands/example';
import { registerExecutionCommands } from './commands/executions';
import { registerHook } from './commands/hook';
import { registerPipelineCommands } from './commands/pipelines';
import { registerProviders } from './commands/providers';
import { registerPrune } from './commands/prune';
import { registerRun } from './commands/run';
import { registerServe } from './commands/serve';
import { registerTransitionCommands } from './commands/transitions';
import { registerRetryCommand } from './commands/retry';
import { registerRollbackCommand } from './commands/rollback';
import { registerConditionCommands } from './commands/conditions';
import { registerValidate } from './commands/validate';
import { registerWebhookSecret } from './commands/webhook-secret';
import { ExitCode, type ExitWith } from './exit-codes';

const COMMANDER_SUCCESS = new Set(['commander.helpDisplayed', 'commander.help', 'commander.version']);

/** Runs the `sluice` program on the given arguments (without node and script) and returns its exit code. */
export async function main(args: readonly string[]): Promise<number> {
  let code: number = ExitCode.Ok;
  const exitWith: ExitWith =
    (handler) =>
    async (...args) => {
      code = await handler(...args);
    };
  const program = new Command('sluice')
    .description('Continuous delivery that speaks AWS CodePipeline, on AWS or on this machine')
    .version(packageJson.version)
    .showHelpAfterError('(run with --help for usage)');
  registerValidate(program, exitWith);
  registerCompile(program, exitWith);
  registerCost(program, exitWith);
  registerProviders(program, exitWith);
  registerRun(program, exitWith);
  registerExample(program, exitWith);
  registerServe(program, exitWith);
  registerConsole(program, exitWith);
  registerPipelineCommands(program, exitWith);
  registerExecutionCommands(program, exitWith);
  registerTransitionCommands(program, exitWith);
  registerRetryCommand(program, exitWith);
  registerRollbackCommand(program, exitWith);
  registerConditionCommands(program, exitWith);
  registerActionExecutionCommands(program, exitWith);
  registerWebhookSecret(program, exitWith);
  registerCredentials(program, exitWith);
  registerHook(program, exitWith);
  registerPrune(program, exitWith);
  registerAudit(program, exitWith);
  for (const command of [program, ...program.commands, ...program.commands.flatMap((parent) => parent.commands)]) command.exitOverride();

  try {
    await program.parseAsync([...args], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return COMMANDER_SUCCESS.has(error.code) ? ExitCode.Ok : ExitCode.BadInput;
    throw error;
  }
  return code;
}
