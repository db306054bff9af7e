import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SECRET_PLACEHOLDER } from '../../lib/adapters/aws/secrets-manager-secret';
import { packageStack, referencedIds, resourcesOfType, type Template } from '../support/cloudformation';
import { PIPELINES, ROOT, loadValid } from '../support/fixtures';

/** The README section that lists, in order, what a first deploy needs. */
const GUIDE_HEADING = '### First deploy, step by step';

/** The section under GUIDE_HEADING, up to the next heading of its level or above. */
function guideSection(): string {
  const lines = readFileSync(path.join(ROOT, 'README.md'), 'utf8').split('\n');
  const start = lines.findIndex((line) => line.trim() === GUIDE_HEADING);
  if (start < 0) throw new Error(`README.md has no "${GUIDE_HEADING}" section: the deploy guide belongs there.`);
  const level = GUIDE_HEADING.indexOf(' ');
  const end = lines.findIndex((line, index) => index > start && /^#{1,6} /.test(line) && line.indexOf(' ') <= level);
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
}

/** The numbered steps, each with its text up to the next one. */
function stepsOf(section: string): string[] {
  return section.split(/^(?=\d+\. )/m).filter((part) => /^\d+\. /.test(part));
}

/** The keys under serverless.yml's `params.default`: what `--param "<key>=..."` sets. */
function serverlessParams(): string[] {
  const text = readFileSync(path.join(ROOT, 'serverless.yml'), 'utf8');
  const block = /^params:\n {2}default:\n((?: {4}.*\n|\s*\n)+)/m.exec(text)?.[1] ?? '';
  return [...block.matchAll(/^ {4}(\w+):/gm)].map((match) => match[1]!);
}

/** Output names as the guide writes them: `Name` or <Name>. */
const OUTPUT_NAME = /[`<]([A-Z][A-Za-z0-9]*(?:Arn|Url|Name))[`>]/g;

let template: Template;
let section: string;
let steps: string[];

beforeAll(async () => {
  template = await packageStack();
  section = guideSection();
  steps = stepsOf(section);
}, 180_000);

const outputs = () => Object.keys(template.Outputs ?? {});
const outputsOf = (logicalId: string) =>
  Object.entries(template.Outputs ?? {})
    .filter(([, output]) => referencedIds((output as { Value: unknown }).Value).includes(logicalId))
    .map(([name]) => name);
/** The first step that says this, by its index; -1 when none does. */
const stepSaying = (text: string | RegExp) => steps.findIndex((step) => (typeof text === 'string' ? step.includes(text) : text.test(step)));
const deployStep = () => stepSaying('osls deploy');

describe('the README deploy guide, against the packaged template', () => {
  it('is a numbered list of steps, in order, with the deploy among them', () => {
    expect(steps.length).toBeGreaterThanOrEqual(5);
    expect(steps.map((step) => Number(/^(\d+)\. /.exec(step)![1]))).toEqual(steps.map((_, index) => index + 1));
    expect(deployStep()).toBeGreaterThanOrEqual(0);
  });

  it('names only outputs the template has, and each only in a step after the deploy, which creates it', () => {
    const named = [...section.matchAll(OUTPUT_NAME)].map((match) => match[1]!);
    expect(named.length).toBeGreaterThan(0);
    expect([...new Set(named)].filter((name) => !outputs().includes(name))).toEqual([]);
    steps.forEach((step, index) => {
      const inStep = [...step.matchAll(OUTPUT_NAME)].map((match) => match[1]!).filter((name) => outputs().includes(name));
      if (inStep.length > 0)
        expect({ step: index + 1, outputs: inStep, afterDeploy: index > deployStep() }).toEqual({ step: index + 1, outputs: inStep, afterDeploy: true });
    });
  });

  it('passes every parameter of the stack, and no other, in the deploy step', () => {
    const params = serverlessParams();
    expect(params).toEqual(expect.arrayContaining(Object.keys(template.Parameters ?? {}).map((name) => name.charAt(0).toLowerCase() + name.slice(1))));
    const passed = [...steps[deployStep()]!.matchAll(/--param "(\w+)=/g)].map((match) => match[1]!);
    expect(passed.sort()).toEqual([...params].sort());
  });

  it('has each secret that only a person can fill put in, through the output that names it, after the deploy', () => {
    const secrets = resourcesOfType(template, 'AWS::SecretsManager::Secret');
    expect(secrets.length).toBeGreaterThan(0);
    for (const [id, secret] of secrets) {
      const [output] = outputsOf(id);
      expect({ secret: id, output }).toEqual({ secret: id, output: expect.any(String) });
      const step = stepSaying(`<${output}>`);
      expect({ secret: id, step: step > deployStep() }).toEqual({ secret: id, step: true });
      if (secret.Properties!.SecretString === SECRET_PLACEHOLDER)
        expect({ secret: id, filled: steps[step]!.includes('put-secret-value') }).toEqual({ secret: id, filled: true });
    }
  });

  it('has each email subscription confirmed after the deploy, naming the parameter that subscribes it', () => {
    const subscriptions = resourcesOfType(template, 'AWS::SNS::Subscription').filter(([, subscription]) => subscription.Properties!.Protocol === 'email');
    expect(subscriptions.length).toBeGreaterThan(0);
    const confirm = stepSaying(/Confirm the email subscriptions/);
    expect(confirm).toBeGreaterThan(deployStep());
    for (const [id, subscription] of subscriptions) {
      const [parameter] = referencedIds(subscription.Properties!.Endpoint);
      const param = parameter!.charAt(0).toLowerCase() + parameter!.slice(1);
      expect({ subscription: id, param, named: section.includes(`\`${param}\``) }).toEqual({ subscription: id, param, named: true });
      const [topicOutput] = outputsOf(referencedIds(subscription.Properties!.TopicArn)[0]!);
      expect({ subscription: id, topic: steps[confirm]!.includes(`<${topicOutput}>`) }).toEqual({ subscription: id, topic: true });
    }
  });

  it('names every CodeBuild project the shipped pipelines run, before the deploy, and gives their roles the artifact bucket after it', () => {
    const projects = PIPELINES.flatMap((file) => loadValid(file).stages.flatMap((stage) => stage.actions))
      .filter((action) => action.actionTypeId.provider === 'CodeBuild')
      .map((action) => String(action.configuration!.ProjectName));
    expect(projects.length).toBeGreaterThan(0);
    for (const project of projects)
      expect({ project, step: stepSaying(`\`${project}\``) < deployStep() && stepSaying(`\`${project}\``) >= 0 }).toEqual({ project, step: true });
    const [bucketOutput] = outputsOf('ArtifactBucket');
    const access = stepSaying(`\`${bucketOutput}\``);
    expect(access).toBeGreaterThan(deployStep());
    for (const action of ['s3:GetObject', 's3:PutObject', 'kms:Decrypt', 'kms:GenerateDataKey'])
      expect({ action, named: steps[access]!.includes(action) }).toEqual({ action, named: true });
  });

  it("has a console user created after the deploy, in the pool its output names, and the console opened at its output's URL", () => {
    const [poolOutput] = outputsOf('ConsoleUserPool').filter((name) => name.endsWith('Id'));
    const create = stepSaying('aws cognito-idp admin-create-user');
    expect(create).toBeGreaterThan(deployStep());
    expect(steps[create]).toContain(`--user-pool-id <${poolOutput}>`);
    expect(steps[create]).toContain('`ConsoleUrl`');
    expect(outputs()).toContain('ConsoleUrl');
  });

  it('says where lost deliveries go: the dead-letter queue, by its output', () => {
    const [queueOutput] = outputsOf('FailedDeliveriesQueue');
    expect(queueOutput).toBeDefined();
    expect(section).toContain(`\`${queueOutput}\``);
  });
});
