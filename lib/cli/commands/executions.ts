import type { Command } from 'commander';
import type { SluiceApi } from '../../operations/sluice-api';
import { apiCommand, awsApiCommand, printJson } from '../api-command';
import { conditionLines } from './conditions';
import { ExitCode, type ExitWith } from '../exit-codes';
import { collectVariable, dataDirOption, type LocalOptions } from '../local-options';
import type { RunLocalOptions } from '../run-local';
import { targetOptions, type TargetOptions } from '../target-options';

type JsonOptions = LocalOptions & { json?: boolean };
type TargetJsonOptions = TargetOptions & { json?: boolean };

/** status, executions, logs, events, start-pipeline-execution, stop-pipeline-execution and approve. */
export function registerExecutionCommands(program: Command, exitWith: ExitWith): void {
  targetOptions(
    program
      .command('status')
      .description('Show each stage and action of a pipeline with its latest execution, as GetPipelineState does')
      .argument('<pipeline>')
      .option('--json', "print GetPipelineState's JSON"),
  ).action(
    exitWith((name: string, options: TargetJsonOptions) =>
      apiCommand('status', options, async (api) => {
        const state = await api.getPipelineState(name);
        if (options.json) return printJson(state);
        console.log(`${state.pipelineName} (version ${state.pipelineVersion})`);
        for (const stage of state.stageStates) {
          const latest = stage.latestExecution;
          console.log(`  ${stage.stageName}: ${latest ? `${latest.status} (execution ${latest.pipelineExecutionId})` : 'not run yet'}`);
          const transition = stage.inboundTransitionState;
          if (!transition.enabled) {
            console.log(`    transition in disabled by ${transition.lastChangedBy} at ${transition.lastChangedAt}: ${transition.disabledReason}`);
          }
          if (stage.inboundExecutions) console.log(`    waiting to enter: ${stage.inboundExecutions.map((waiter) => waiter.pipelineExecutionId).join(', ')}`);
          for (const line of conditionLines(stage)) console.log(line);
          for (const action of stage.actionStates) {
            const run = action.latestExecution;
            const detail = run?.errorDetails?.message ?? run?.summary;
            console.log(`    ${action.actionName}: ${run ? `${run.status} at ${run.lastStatusChange}${detail ? `: ${detail}` : ''}` : 'not run yet'}`);
            const decision = run?.approvalDecision;
            if (decision) {
              const from = [decision.ip && `from ${decision.ip}`, decision.userAgent && `(${decision.userAgent})`].filter(Boolean).join(' ');
              console.log(
                `      ${decision.status} by ${decision.approver} at ${decision.at}${from ? ` ${from}` : ''}${decision.summary ? `: ${decision.summary}` : ''}`,
              );
            }
            if (run?.token) console.log(`      waiting for approval; token ${run.token}`);
          }
        }
      }),
    ),
  );

  targetOptions(
    program
      .command('executions')
      .description("List a pipeline's executions, newest first")
      .argument('<pipeline>')
      .option('--limit <n>', 'at most this many', '20')
      .option('--json', 'print JSON'),
  ).action(
    exitWith((name: string, options: TargetJsonOptions & { limit: string }) =>
      apiCommand('executions', options, async (api) => {
        const { items: executions } = await api.listPipelineExecutions(name, { maxResults: Math.max(1, Number(options.limit) || 20) });
        if (options.json) return printJson({ pipelineExecutionSummaries: executions });
        for (const execution of executions) {
          const summary = execution.statusSummary ? `  ${execution.statusSummary}` : '';
          console.log(
            `${execution.pipelineExecutionId}  ${execution.status.padEnd(10)}  ${execution.startTime}  v${execution.pipelineVersion}  ${execution.trigger.triggerType}${summary}`,
          );
        }
      }),
    ),
  );

  dataDirOption(
    program
      .command('logs')
      .description("Print the logs of an execution's actions")
      .argument('<executionId>')
      .option('--action <name>', 'only this action (Name or Stage/Name)')
      .option('--json', 'print JSON'),
  ).action(
    exitWith((executionId: string, options: JsonOptions & { action?: string }) =>
      apiCommand('logs', options, async (api) => {
        const logs = await api.getLogs(executionId, options.action);
        if (options.json) return printJson({ logs });
        for (const log of logs) {
          if (!options.action) console.log(`==> ${log.stageName}/${log.actionName} <==`);
          process.stdout.write(log.text.endsWith('\n') || log.text === '' ? log.text : `${log.text}\n`);
        }
      }),
    ),
  );

  dataDirOption(
    program
      .command('events')
      .description('Print the CodePipeline events an execution emitted, in order')
      .argument('<executionId>')
      .option('--json', 'print the events as JSON, as EventBridge delivers them'),
  ).action(
    exitWith((executionId: string, options: JsonOptions) =>
      apiCommand('events', options, async (api) => {
        const events = await api.listExecutionEvents(executionId);
        if (options.json) return printJson({ events });
        for (const event of events) {
          const detail = event.detail as { stage?: string; action?: string; state: string };
          const subject = [detail.stage, detail.action].filter(Boolean).join('/') || 'pipeline';
          console.log(`${event.time}  ${event['detail-type'].padEnd(47)}  ${subject}: ${detail.state}`);
        }
      }),
    ),
  );

  targetOptions(
    program
      .command('start-pipeline-execution')
      .description(
        'Run a registered pipeline on this machine, and wait for its end (exit 0 Succeeded, 1 Failed or Stopped, 2 bad input); with --target aws, start it on Step Functions and print its id at once',
      )
      .argument('<pipeline>')
      .option('--var <name=value>', 'set a pipeline variable (repeatable)', collectVariable)
      .option('--auto-approve', 'approve every Manual approval at once (local only)')
      .option('--quiet', 'do not stream action logs (local only)')
      .option('--json', 'print the execution as JSON at the end'),
  ).action(
    exitWith(async (name: string, options: RunLocalOptions & TargetOptions) => {
      const start = async (api: SluiceApi) => {
        const started = await api.startPipelineExecution(name, options.var);
        if (options.json) printJson(started);
        else console.log(started.pipelineExecutionId);
      };
      if (options.target === 'aws') return awsApiCommand(options, start);
      // While sluice serve owns the data dir, it runs the execution, and this answers at once as
      // CodePipeline's StartPipelineExecution does; otherwise the execution runs here, in the foreground.
      const owner = await (await import('../api-access')).ownerApi(options.dataDir);
      if (!owner) return (await import('../run-local')).runLocal({ name }, options);
      return apiCommand('start-pipeline-execution', options, () => start(owner));
    }),
  );

  targetOptions(
    program
      .command('stop-pipeline-execution')
      .description('Stop a running execution, as StopPipelineExecution does: it ends Stopped (on AWS, or locally under sluice serve)')
      .argument('<pipeline>')
      .argument('<executionId>')
      .option(
        '--abandon',
        'abandon the actions in progress and stop at once; without it the execution is Stopping until they finish (only where the API hears them end: sluice serve)',
      )
      .option('--reason <text>', "why; recorded as the execution's summary")
      .option('--json', 'print JSON'),
  ).action(
    exitWith(async (pipeline: string, executionId: string, options: TargetJsonOptions & { abandon?: boolean; reason?: string }) =>
      apiCommand('stop-pipeline-execution', options, async (api) => {
        const stopped = await api.stopPipelineExecution({
          pipelineName: pipeline,
          pipelineExecutionId: executionId,
          ...(options.reason ? { reason: options.reason } : {}),
          ...(options.abandon ? { abandon: true } : {}),
        });
        if (options.json) printJson(stopped);
        else if (options.abandon) console.log(`Stopped ${stopped.pipelineExecutionId}`);
        else console.log(`Stopping ${stopped.pipelineExecutionId}: it stops once its in-progress actions finish`);
      }),
    ),
  );

  dataDirOption(
    program
      .command('approve')
      .description('Approve (or reject) a waiting Manual approval, as PutApprovalResult does')
      .argument('<pipeline>')
      .argument('<stage>')
      .argument('<action>')
      .option('--reject', 'reject instead of approving: the stage fails')
      .requiredOption('--summary <text>', 'why; recorded with the decision')
      .option('--approver <name>', 'who decides', process.env.USER ?? 'sluice approve')
      .option('--token <token>', 'the approval token (by default, the one sluice status shows)')
      .option('--json', 'print JSON'),
  ).action(
    exitWith(
      (pipeline: string, stage: string, action: string, options: JsonOptions & { reject?: boolean; summary: string; approver: string; token?: string }) =>
        apiCommand('approve', options, async (api) => {
          const state = await api.getPipelineState(pipeline);
          const waiting = state.stageStates
            .find((entry) => entry.stageName === stage)
            ?.actionStates.find((entry) => entry.actionName === action)?.latestExecution;
          const token = options.token ?? waiting?.token;
          if (!token) {
            console.error(`${pipeline}/${stage}/${action} is not waiting for an approval${waiting ? ` (its latest execution is ${waiting.status})` : ''}.`);
            return ExitCode.BadInput;
          }
          const status = options.reject ? 'Rejected' : 'Approved';
          const result = await api.putApprovalResult({
            pipelineName: pipeline,
            stageName: stage,
            actionName: action,
            token,
            approver: options.approver,
            result: { status, summary: options.summary },
          });
          if (options.json) printJson(result);
          else console.log(`${status} ${pipeline}/${stage}/${action} at ${result.approvedAt}`);
        }),
    ),
  );
}
