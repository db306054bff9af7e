/**
 * The session policy of the credentials a job's function or worker is handed: STS narrows the
 * artifact access role to it, so that they reach exactly that job's artifacts, as CodePipeline's
 * artifactCredentials do.
 */

/** Where an artifact object is. */
export interface ArtifactObject {
  bucketName: string;
  objectKey: string;
}

/** A job's artifacts, and where its ARNs are. */
export interface JobArtifacts {
  /** `aws`, `aws-cn`, `aws-us-gov`: the partition of the pipeline's ARN. */
  partition: string;
  /** The region and account of the artifact store's key, where its id is not an ARN. */
  region: string;
  accountId: string;
  /** Every artifact key of a pipeline starts with its name and a slash (`<pipeline>/<artifact>/<id>.zip`). */
  pipelineName: string;
  inputs: readonly ArtifactObject[];
  outputs: readonly ArtifactObject[];
  /** The artifact store's KMS key (an id, a key ARN or an alias), when it has one. */
  encryptionKeyId?: string;
}

export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: string[];
}

export interface SessionPolicy {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

/** STS refuses an inline session policy whose plaintext is longer than this. */
export const SESSION_POLICY_MAX_CHARACTERS = 2048;

/** STS's shortest session. */
export const ARTIFACT_SESSION_MIN_SECONDS = 900;

/**
 * The longest session: the job request function assumes the role with its own role's session,
 * and STS limits such chained sessions to one hour, whatever the role's MaxSessionDuration.
 */
export const ARTIFACT_SESSION_MAX_SECONDS = 3600;

/**
 * The policy that narrows the artifact access role to one job: GetObject on each input object,
 * PutObject on each output object, and the store's key where it has one. When the objects' ARNs
 * would make the policy longer than STS takes, it narrows to the pipeline's key prefix in each
 * bucket instead: the objects of the pipeline's other executions are then within reach too.
 * Undefined when the job has no artifacts: there is nothing to reach.
 */
export function artifactSessionPolicy(job: JobArtifacts): SessionPolicy | undefined {
  if (job.inputs.length === 0 && job.outputs.length === 0) return undefined;
  const exact = policyOf(job, (object) => objectArn(job.partition, object));
  if (JSON.stringify(exact).length <= SESSION_POLICY_MAX_CHARACTERS) return exact;
  return policyOf(job, ({ bucketName }) => objectArn(job.partition, { bucketName, objectKey: `${job.pipelineName}/*` }));
}

/** How long a job's artifact credentials last: the action's timeout, within STS's bounds for the session. */
export function artifactSessionSeconds(timeoutSeconds: number): number {
  return Math.min(Math.max(Math.ceil(timeoutSeconds), ARTIFACT_SESSION_MIN_SECONDS), ARTIFACT_SESSION_MAX_SECONDS);
}

function policyOf(job: JobArtifacts, resource: (object: ArtifactObject) => string): SessionPolicy {
  const statements: PolicyStatement[] = [];
  const add = (Sid: string, Action: string[], Resource: string[]) => {
    if (Resource.length > 0) statements.push({ Sid, Effect: 'Allow', Action, Resource: [...new Set(Resource)] });
  };
  add('ReadInputArtifacts', ['s3:GetObject'], job.inputs.map(resource));
  add('WriteOutputArtifacts', ['s3:PutObject'], job.outputs.map(resource));
  if (job.encryptionKeyId) add('UseArtifactKey', ['kms:Decrypt', 'kms:GenerateDataKey'], [keyArn(job)]);
  return { Version: '2012-10-17', Statement: statements };
}

function objectArn(partition: string, { bucketName, objectKey }: ArtifactObject): string {
  return `arn:${partition}:s3:::${bucketName}/${objectKey}`;
}

/**
 * The key's ARN, as IAM matches it. A key id gets the store's region and account. KMS authorizes an
 * alias's use against the key it points to, which the alias does not name: any key of the alias's
 * region and account.
 */
function keyArn({ partition, region, accountId, encryptionKeyId }: JobArtifacts): string {
  const id = encryptionKeyId ?? '';
  if (id.startsWith('arn:')) {
    const [, keyPartition, , keyRegion, keyAccount, resource = ''] = id.split(':');
    return resource.startsWith('key/') ? id : `arn:${keyPartition}:kms:${keyRegion}:${keyAccount}:key/*`;
  }
  return id.startsWith('alias/') ? `arn:${partition}:kms:${region}:${accountId}:key/*` : `arn:${partition}:kms:${region}:${accountId}:key/${id}`;
}
