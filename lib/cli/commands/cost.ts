import { InvalidArgumentError, type Command } from 'commander';
import { LAMBDA_ROLES, estimateCost, type ActionRunnerWork, type CostEstimate, type LambdaRole, type LineItem, type UnitPrice } from '../../core/cost';
import { STATES_PER_LOOK } from '../../core/integrations/polling';
import { ExitCode, type ExitWith } from '../exit-codes';
import { templateOptions, type TemplateOptions } from '../template-options';

const DEFAULT_EXECUTIONS = 1000;

const ROLE_NAMES: Record<LambdaRole, string> = {
  start: 'execution start',
  stageStep: 'stage steps',
  actionRunner: 'action runner',
  approvalRequest: 'approval request',
  approvalDecision: 'approval page and decision',
  eventRecorder: 'event recorder',
};

/** What the estimate leaves out, because it is the same either way or too small to count. */
const EXCLUDED = [
  'CodeBuild compute: the same whether CodePipeline or Sluice starts the build.',
  'Free tiers, on both sides.',
  'What the actions themselves do: files an S3 deploy uploads, stacks, deployments, invoked functions.',
  'Retries, failed executions, S3 storage, CloudWatch Logs and X-Ray, KMS, data transfer, Lambda ephemeral storage above 512 MB, and, for approvals, API Gateway requests and SNS mail.',
  'The S3 requests CodePipeline makes on its own artifact bucket, in the CodePipeline figures.',
];

function executionCount(text: string): number {
  const count = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(count) || count < 1)
    throw new InvalidArgumentError(`"${text}" is not a whole number of executions, 1 or more.`);
  return count;
}

export function registerCost(program: Command, exitWith: ExitWith): void {
  templateOptions(
    program
      .command('cost')
      .description('Estimate what a pipeline costs on AWS with Sluice, beside CodePipeline V2 and V1')
      .argument('<file>', 'the declaration (JSON or YAML), or a CloudFormation template')
      .option('--executions <count>', 'executions in the month', executionCount, DEFAULT_EXECUTIONS)
      .option('--json', 'print the estimate as JSON'),
  ).action(
    exitWith(async (file: string, options: TemplateOptions & { executions: number; json?: boolean }) => {
      const [{ formatProblems, loadPipelineFile, printNotes }, { providerCatalog }, { compilePipeline }] = await Promise.all([
        import('../pipeline-file'),
        import('../../actions/registry'),
        import('../../core/compile'),
      ]);
      const loaded = await loadPipelineFile(file, 'aws', undefined, options);
      if (!loaded.ok) {
        console.error(formatProblems(file, loaded.problems));
        return ExitCode.BadInput;
      }
      printNotes(loaded);
      const estimate = estimateCost(loaded.pipeline, compilePipeline(loaded.pipeline, providerCatalog), {
        executions: options.executions,
        catalog: providerCatalog,
      });
      console.log(options.json ? JSON.stringify({ file, ...estimate, excluded: EXCLUDED }, null, 2) : formatEstimate(estimate));
      return ExitCode.Ok;
    }),
  );
}

/** The estimate as two tables, per execution and for the month, then the comparison and what is left out. */
export function formatEstimate(estimate: CostEstimate): string {
  const { codePipeline, assumptions } = estimate;
  const executions = count(estimate.executions);
  const billed = codePipeline.v2.billedActions.length;
  const minutes = codePipeline.v2.actionMinutesPerExecution;
  const comparison = [
    ['Sluice on AWS', usd(estimate.forExecutions.usd)],
    [
      `CodePipeline V2: ${billed} billed action${billed === 1 ? '' : 's'}, ${minutes} min an execution x ${executions} executions at $0.002 a minute`,
      usd(codePipeline.v2.usd),
    ],
    ['CodePipeline V1: one active pipeline at $1 a month', usd(codePipeline.v1.usd)],
  ];
  const labelWidth = Math.max(...comparison.map(([label]) => label!.length));
  const notBilled = codePipeline.v2.notBilled.map(({ action, reason }) => `${action} (${reason})`).join(', ');
  const runs = Object.entries(estimate.usage.actionRunner).filter(([, work]) => work.pricedAs === 'runner');
  const runner = runs.map(([action, work]) => `${action} ${seconds(work.runnerMs)}`).join(', ');
  const polling = Object.entries(estimate.usage.actionRunner).flatMap(([action, work]) => (work.pricedAs === 'polling' ? [lookLine(action, work)] : []));
  const rolesByMemory = new Map<number, string[]>();
  for (const role of LAMBDA_ROLES) rolesByMemory.set(assumptions.memoryMb[role], [...(rolesByMemory.get(assumptions.memoryMb[role]) ?? []), ROLE_NAMES[role]]);
  return [
    `${estimate.pipeline}: the AWS cost of its successful executions on Sluice, at us-east-1 list prices`,
    '',
    'Per execution',
    table(estimate.perExecution.lineItems, estimate.perExecution.usd),
    '',
    `${executions} executions a month`,
    table(estimate.forExecutions.lineItems, estimate.forExecutions.usd),
    '',
    `Compared, for ${executions} executions a month`,
    ...comparison.map(([label, amount]) => `  ${label!.padEnd(labelWidth)}  ${amount!.padStart(8)}`),
    ...(notBilled ? [`  CodePipeline V2 does not bill: ${notBilled}.`] : []),
    '',
    'Assumptions',
    ...[...rolesByMemory].map(([mb, roles]) => `  Lambda on arm64 with ${mb} MB: ${roles.join(', ')}.`),
    `  Billed duration: ${seconds(assumptions.recordingStepMs)} for a step that only records and announces (execution start,`,
    `  stage enter and exit, CodeBuild prepare and complete, approval request and decision), ${seconds(assumptions.eventRecorderMs)} for the event recorder,`,
    `  and for the actions the action runner runs: ${runner || 'none here'}.`,
    ...(polling.length > 0
      ? [
          `  A polling action starts its work in one run, then looks again after each Wait until it ends; each look is one`,
          `  action runner invocation and ${STATES_PER_LOOK} state transitions. Its work is assumed to take its provider's typical time:`,
          ...polling,
        ]
      : []),
    "  DynamoDB items are at most 1 KB (one write unit each); reads are at most 4 KB, eventually consistent (half a unit) but for a stage's line and an event log's last place (a whole unit).",
    `  Under CodePipeline V2 each action runs ${assumptions.codePipelineActionMinutes} min${polling.length > 0 ? ', a polling action its typical time' : ''}.`,
    '',
    'Not counted',
    ...EXCLUDED.map((line) => `  ${line}`),
  ].join('\n');
}

function lookLine(action: string, work: Extract<ActionRunnerWork, { pricedAs: 'polling' }>): string {
  return `    ${action}: about ${work.typicalMinutes} min, so ${seconds(work.runnerMs)} to start it, then ${work.looks} looks of ${seconds(work.lookMs)}.`;
}

function table(lines: LineItem[], total: number): string {
  const rows = [
    ['Item', 'Quantity', 'Unit price', 'Cost'],
    ...lines.map((line) => [line.item, quantity(line.quantity), unitPrice(line.price), usd(line.usd)]),
    ['Sluice total', '', '', usd(total)],
  ];
  const widths = [0, 1, 2, 3].map((column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows
    .map((row) => `  ${row[0]!.padEnd(widths[0]!)}  ${row[1]!.padStart(widths[1]!)}  ${row[2]!.padEnd(widths[2]!)}  ${row[3]!.padStart(widths[3]!)}`)
    .join('\n');
}

/** Dollars to the cent, or to three significant digits under a cent, never in exponent form. */
function usd(amount: number): string {
  if (amount === 0) return '$0.00';
  if (amount >= 0.01) return `$${amount.toFixed(2)}`;
  return `$${amount.toFixed(2 - Math.floor(Math.log10(amount)))}`;
}

function unitPrice(price: UnitPrice): string {
  const decimals = Math.max(2, String(price.usd).split('.')[1]?.length ?? 0);
  const per = price.per === 1 ? '' : price.per === 1_000_000 ? '1M ' : `${count(price.per)} `;
  return `$${price.usd.toFixed(decimals)} / ${per}${price.unit}`;
}

function quantity(value: number): string {
  return value.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

function count(value: number): string {
  return value.toLocaleString('en-US');
}

function seconds(milliseconds: number): string {
  return `${milliseconds / 1000} s`;
}
