import type { OperationsDependencies } from '../operations/pipeline-operations';
import { awsCodeCommit, awsDependencies } from './aws';

let dependencies: OperationsDependencies | undefined;

/**
 * awsDependencies with CodeCommit, whose branches the polled CodeCommit sources read. The polled
 * providers' code is loaded apart (lib/actions/polled-sources.ts), when a source of its kind is
 * first polled; the source poll's bundle holds no other provider's run code.
 */
export function awsSourcePollDependencies(): OperationsDependencies {
  return (dependencies ??= { ...awsDependencies(), codeCommit: awsCodeCommit() });
}
