import { createHash } from 'node:crypto';

/** A CloudFormation template, in the parts Sluice reads. */
export interface CloudFormationTemplate {
  Parameters?: Record<string, TemplateParameter>;
  Mappings?: Record<string, Record<string, Record<string, unknown>>>;
  Conditions?: Record<string, unknown>;
  Resources: Record<string, TemplateResource>;
}

export interface TemplateParameter {
  Type?: string;
  Default?: unknown;
  AllowedValues?: unknown[];
}

export interface TemplateResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Condition?: string;
}

export const PIPELINE_TYPE = 'AWS::CodePipeline::Pipeline';
export const PROJECT_TYPE = 'AWS::CodeBuild::Project';
export const ROLE_TYPE = 'AWS::IAM::Role';

/** Whether a parsed file is a CloudFormation template rather than a pipeline declaration: it has a Resources map. */
export function isTemplate(value: unknown): value is CloudFormationTemplate {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const { Resources: resources } = value as { Resources?: unknown };
  return resources !== null && typeof resources === 'object' && !Array.isArray(resources);
}

/** The logical ids of the template's resources of `type`, in the template's order. */
export function resourcesOfType(template: CloudFormationTemplate, type: string): string[] {
  return Object.entries(template.Resources)
    .filter(([, resource]) => resource?.Type === type)
    .map(([id]) => id);
}

/** The values the pseudo-parameters stand for, where they are known. */
export interface PseudoParameters {
  region?: string;
  accountId?: string;
  stackName: string;
}

/** The partition of a region: `aws-cn` in China, `aws-us-gov` in GovCloud, else `aws`. */
export function partitionOf(region: string | undefined): string {
  if (region?.startsWith('cn-')) return 'aws-cn';
  if (region?.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

export const urlSuffixOf = (region: string | undefined) => (region?.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com');

/** What a resource's physical name may hold, as its service allows. */
interface NameRule {
  maxLength: number;
  lowercase?: boolean;
}

/**
 * The name CloudFormation gives a resource whose template names none: the stack's name, the
 * logical id and a random suffix. Sluice's suffix is a hash of the other two, so that the same
 * template names the same resources on every run.
 */
export function generatedName(stackName: string, logicalId: string, rule: NameRule): string {
  const suffix = createHash('sha256').update(`${stackName}/${logicalId}`).digest('hex').slice(0, 12).toUpperCase();
  const room = rule.maxLength - suffix.length - 2;
  const stackPart = stackName.slice(0, Math.floor(room / 2));
  const name = `${stackPart}-${logicalId.slice(0, room - stackPart.length)}-${suffix}`;
  return rule.lowercase ? name.toLowerCase() : name;
}

/** How a resource type names itself, and what its `Ref` and `Fn::GetAtt` give, built from its name. */
export interface NamedResourceType {
  /** The property that names the resource. */
  nameProperty: string;
  /** Whether the service names it when the template does not; else the name is required. */
  generated?: NameRule;
  /** What `Ref` gives: `name`, or the attribute whose value it is. */
  ref: string;
  attributes: Record<string, (name: string, where: ResolvedPlace) => string>;
}

/** Where a stack's resources are: the pseudo-parameters an ARN is built from. */
export interface ResolvedPlace {
  partition: string;
  region: string;
  accountId: string;
  urlSuffix: string;
  /** The resource's own properties, for attributes that read more than its name (a role's Path). */
  properties: Record<string, unknown>;
}

const arn =
  (service: string, resource: string, global = false) =>
  (name: string, where: ResolvedPlace) =>
    `arn:${where.partition}:${service}:${global ? '' : where.region}:${service === 's3' ? '' : where.accountId}:${resource}${name}`;

/**
 * The resource types whose `Ref` and `Fn::GetAtt` Sluice can know before the stack exists,
 * because they follow from the resource's name. Any other type's are refused, naming it.
 */
export const NAMED_RESOURCE_TYPES: Record<string, NamedResourceType> = {
  'AWS::S3::Bucket': {
    nameProperty: 'BucketName',
    generated: { maxLength: 63, lowercase: true },
    ref: 'name',
    attributes: {
      Arn: (name, where) => `arn:${where.partition}:s3:::${name}`,
      DomainName: (name, where) => `${name}.s3.${where.urlSuffix}`,
      RegionalDomainName: (name, where) => `${name}.s3.${where.region}.${where.urlSuffix}`,
    },
  },
  [ROLE_TYPE]: {
    nameProperty: 'RoleName',
    generated: { maxLength: 64 },
    ref: 'name',
    attributes: {
      Arn: (name, where) =>
        `arn:${where.partition}:iam::${where.accountId}:role${typeof where.properties.Path === 'string' ? where.properties.Path : '/'}${name}`,
    },
  },
  [PROJECT_TYPE]: { nameProperty: 'Name', generated: { maxLength: 255 }, ref: 'name', attributes: { Arn: arn('codebuild', 'project/') } },
  [PIPELINE_TYPE]: { nameProperty: 'Name', generated: { maxLength: 100 }, ref: 'name', attributes: {} },
  'AWS::SNS::Topic': {
    nameProperty: 'TopicName',
    generated: { maxLength: 256 },
    ref: 'TopicArn',
    attributes: { TopicArn: arn('sns', ''), TopicName: (name) => name },
  },
  'AWS::Lambda::Function': { nameProperty: 'FunctionName', generated: { maxLength: 64 }, ref: 'name', attributes: { Arn: arn('lambda', 'function:') } },
  'AWS::ECR::Repository': {
    nameProperty: 'RepositoryName',
    generated: { maxLength: 256, lowercase: true },
    ref: 'name',
    attributes: {
      Arn: arn('ecr', 'repository/'),
      RepositoryUri: (name, where) => `${where.accountId}.dkr.ecr.${where.region}.${where.urlSuffix}/${name}`,
    },
  },
  'AWS::CodeCommit::Repository': {
    nameProperty: 'RepositoryName',
    // Its Ref is the repository's id, which CodeCommit makes up.
    ref: 'Id',
    attributes: {
      Name: (name) => name,
      Arn: arn('codecommit', ''),
      CloneUrlHttp: (name, where) => `https://git-codecommit.${where.region}.${where.urlSuffix}/v1/repos/${name}`,
    },
  },
  'AWS::StepFunctions::StateMachine': {
    nameProperty: 'StateMachineName',
    generated: { maxLength: 80 },
    ref: 'Arn',
    attributes: { Arn: arn('states', 'stateMachine:'), Name: (name) => name },
  },
  'AWS::ECS::Cluster': { nameProperty: 'ClusterName', generated: { maxLength: 255 }, ref: 'name', attributes: { Arn: arn('ecs', 'cluster/') } },
  'AWS::CodeDeploy::Application': { nameProperty: 'ApplicationName', generated: { maxLength: 100 }, ref: 'name', attributes: {} },
  'AWS::CodeDeploy::DeploymentGroup': { nameProperty: 'DeploymentGroupName', generated: { maxLength: 100 }, ref: 'name', attributes: {} },
  'AWS::KMS::Alias': { nameProperty: 'AliasName', ref: 'name', attributes: {} },
};
