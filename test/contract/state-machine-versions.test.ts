import { SFNClient } from '@aws-sdk/client-sfn';
import { AccessDeniedError } from '../../lib/core/errors';
import { KEPT_VERSIONS, StateMachineVersions } from '../../lib/adapters/aws/state-machine-versions';
import { versionPruning } from '../../lib/compose/aws';
import { startVersionsServer, type VersionsServer } from '../support/step-functions-versions-server';

const MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:sluice-prod-webapp';

let server: VersionsServer;
let client: SFNClient;

beforeEach(async () => {
  server = await startVersionsServer();
  client = new SFNClient({ region: 'eu-west-1', endpoint: server.endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
});

afterEach(async () => {
  client.destroy();
  await server.close();
});

const publish = (count: number) => Array.from({ length: count }, () => server.publish(MACHINE));

describe('StateMachineVersions.prune', () => {
  it(`keeps the ${KEPT_VERSIONS} newest versions and those a running execution uses, and deletes the rest`, async () => {
    const [v1, v2, v3, v4, v5] = publish(5);
    server.execute(v1!, 'SUCCEEDED');
    server.execute(v2!, 'RUNNING');
    server.execute(v3!, 'FAILED');
    const deleted = await new StateMachineVersions(client).prune(MACHINE);
    expect(deleted).toEqual([v3, v1]);
    expect(server.versions(MACHINE)).toEqual([v2, v4, v5]);
    // Each older version is looked up by its own ARN, for running executions only.
    expect(server.calls.filter((call) => call.operation === 'ListExecutions').map((call) => call.input)).toEqual(
      [v3, v2, v1].map((arn) => ({ stateMachineArn: arn, statusFilter: 'RUNNING', maxResults: 1 })),
    );
  });

  it('deletes the version a running execution used once that execution has ended, on the next prune', async () => {
    const [v1] = publish(3);
    server.execute(v1!, 'RUNNING');
    expect(await new StateMachineVersions(client).prune(MACHINE)).toEqual([]);
    expect(server.versions(MACHINE)).toContain(v1);
    server.finish(v1!);
    expect(await new StateMachineVersions(client).prune(MACHINE)).toEqual([v1]);
  });

  it('deletes nothing, and lists no executions, while there are no more versions than it keeps', async () => {
    publish(KEPT_VERSIONS);
    expect(await new StateMachineVersions(client).prune(MACHINE)).toEqual([]);
    expect(server.calls.map((call) => call.operation)).toEqual(['ListStateMachineVersions']);
    expect(server.versions(MACHINE)).toHaveLength(KEPT_VERSIONS);
  });

  it('reads every page of versions, however few a page holds', async () => {
    client.destroy();
    await server.close();
    server = await startVersionsServer({ pageLimit: 2 });
    client = new SFNClient({ region: 'eu-west-1', endpoint: server.endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
    const all = publish(7);
    const deleted = await new StateMachineVersions(client).prune(MACHINE);
    expect(deleted).toEqual(all.slice(0, -KEPT_VERSIONS).reverse());
    expect(server.versions(MACHINE)).toEqual(all.slice(-KEPT_VERSIONS));
    expect(server.calls.filter((call) => call.operation === 'ListStateMachineVersions').map((call) => call.input.nextToken !== undefined)).toEqual([
      false,
      true,
      true,
      true,
    ]);
  });

  it('explains a refused delete with the action and the version to allow it on', async () => {
    const [v1] = publish(3);
    server.deny('DeleteStateMachineVersion');
    const error = await new StateMachineVersions(client, { roleName: 'sluice-registration' }).prune(MACHINE).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AccessDeniedError);
    expect((error as Error).message).toContain(`Allow "states:DeleteStateMachineVersion" on "${v1}" in the policy of sluice-registration.`);
  });
});

describe('versionPruning', () => {
  it('prunes, and a failure is one warning that names the state machine, not a failed deploy', async () => {
    publish(3);
    server.deny('ListStateMachineVersions');
    const warnings: string[] = [];
    await versionPruning(client, {}, (message) => warnings.push(message))(MACHINE);
    expect(warnings).toEqual([expect.stringContaining(`The old versions of ${MACHINE} were not deleted; the next change tries again. Access denied:`)]);
    expect(server.versions(MACHINE)).toHaveLength(3);
  });

  it('deletes the old versions when it may', async () => {
    publish(4);
    const warnings: string[] = [];
    await versionPruning(client, {}, (message) => warnings.push(message))(MACHINE);
    expect(warnings).toEqual([]);
    expect(server.versions(MACHINE)).toEqual([`${MACHINE}:3`, `${MACHINE}:4`]);
  });
});
