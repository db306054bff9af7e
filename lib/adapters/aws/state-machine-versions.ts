import {
  DeleteStateMachineVersionCommand,
  ListExecutionsCommand,
  ListStateMachineVersionsCommand,
  type SFNClient,
  type StateMachineVersionListItem,
} from '@aws-sdk/client-sfn';
import { withAccessExplained, type AccessDeniedOptions } from './access-denied';

/**
 * The newest versions a prune always keeps: the one just published, which the pipeline's record
 * names, and the one before, which a start that read the record just before it changed may
 * still be on its way to.
 */
export const KEPT_VERSIONS = 2;
/** ListStateMachineVersions' largest page. */
const PAGE_SIZE = 1000;

/**
 * Step Functions keeps every published version of a state machine, up to a quota of 1,000, and
 * every change of a pipeline publishes one. Old versions are deleted once no execution runs on
 * them: an execution keeps running on a deleted version, but nothing could start one there again.
 */
export class StateMachineVersions {
  constructor(
    private readonly client: SFNClient,
    private readonly options: AccessDeniedOptions = {},
  ) {}

  /** Deletes the versions of the state machine older than the KEPT_VERSIONS newest that no running execution uses; answers their ARNs. */
  async prune(stateMachineArn: string): Promise<string[]> {
    const versions = await this.list(stateMachineArn);
    const deleted: string[] = [];
    for (const { stateMachineVersionArn } of newestFirst(versions).slice(KEPT_VERSIONS)) {
      if (await this.running(stateMachineVersionArn!)) continue;
      await this.explained('states:DeleteStateMachineVersion', stateMachineVersionArn!, () =>
        this.client.send(new DeleteStateMachineVersionCommand({ stateMachineVersionArn })),
      );
      deleted.push(stateMachineVersionArn!);
    }
    return deleted;
  }

  private async list(stateMachineArn: string): Promise<StateMachineVersionListItem[]> {
    const versions: StateMachineVersionListItem[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.explained('states:ListStateMachineVersions', stateMachineArn, () =>
        this.client.send(new ListStateMachineVersionsCommand({ stateMachineArn, maxResults: PAGE_SIZE, nextToken })),
      );
      versions.push(...(page.stateMachineVersions ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    return versions;
  }

  /** Whether an execution started on the version is still running. */
  private async running(versionArn: string): Promise<boolean> {
    const page = await this.explained('states:ListExecutions', versionArn, () =>
      this.client.send(new ListExecutionsCommand({ stateMachineArn: versionArn, statusFilter: 'RUNNING', maxResults: 1 })),
    );
    return (page.executions ?? []).length > 0;
  }

  private explained<T>(action: string, resource: string, call: () => Promise<T>): Promise<T> {
    return withAccessExplained({ action, resource, role: this.options.roleName }, call);
  }
}

/** By version number, which the ARN ends in: Step Functions documents no order for its list. */
function newestFirst(versions: StateMachineVersionListItem[]): StateMachineVersionListItem[] {
  const number = (version: StateMachineVersionListItem) => Number(version.stateMachineVersionArn!.slice(version.stateMachineVersionArn!.lastIndexOf(':') + 1));
  return [...versions].sort((a, b) => number(b) - number(a));
}
