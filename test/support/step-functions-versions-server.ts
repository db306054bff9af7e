import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local server that speaks Step Functions' JSON 1.0 protocol for the calls that prune state
 * machine versions, which moto 5.2 does not implement. It applies the input rules of the service
 * model (botocore's stepfunctions service-2.json: required members, the Arn and LongArn lengths,
 * PageSize 0-1000, the ExecutionStatus enum, the page tokens) and pages results as the service
 * does: 100 by default, `maxResults` at most, and, as its documentation allows, fewer than asked
 * when `pageLimit` says so.
 */
export interface VersionsServer {
  endpoint: string;
  /** Publishes the next version of a state machine, as UpdateStateMachine with `publish` does; answers its ARN. */
  publish(stateMachineArn: string): string;
  /** An execution on a version, with its status. */
  execute(versionArn: string, status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED'): void;
  /** Ends the running executions on a version. */
  finish(versionArn: string): void;
  versions(stateMachineArn: string): string[];
  /** The operations called, in order, with their input. */
  calls: { operation: string; input: Record<string, unknown> }[];
  /** Refuses an operation as IAM would. */
  deny(operation: string): void;
  close(): Promise<void>;
}

const EXECUTION_STATUSES = new Set(['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE']);
const DEFAULT_PAGE = 100;
const VERSION_ARN = /^arn:[a-z-]+:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9_-]{1,80}:\d+$/;
const STATE_MACHINE_ARN = /^arn:[a-z-]+:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9_-]{1,80}$/;

class ServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export async function startVersionsServer(options: { pageLimit?: number } = {}): Promise<VersionsServer> {
  const machines = new Map<string, { next: number; versions: { arn: string; created: Date }[] }>();
  const executions: { versionArn: string; status: string; name: string }[] = [];
  const denied = new Set<string>();
  const calls: VersionsServer['calls'] = [];

  const string = (input: Record<string, unknown>, member: string, max: number, required: boolean): string | undefined => {
    const value = input[member];
    if (value === undefined) {
      if (required)
        throw new ServiceError(
          'ValidationException',
          `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`,
        );
      return undefined;
    }
    if (typeof value !== 'string' || value.length < 1 || value.length > max) {
      throw new ServiceError(
        'ValidationException',
        `1 validation error detected: Value at '${member}' failed to satisfy constraint: Member must have length between 1 and ${max}`,
      );
    }
    return value;
  };
  const pageSize = (input: Record<string, unknown>) => {
    const value = input.maxResults;
    if (value === undefined || value === 0) return DEFAULT_PAGE;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 1000) {
      throw new ServiceError(
        'ValidationException',
        "1 validation error detected: Value at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000",
      );
    }
    return value;
  };
  const page = <T>(items: T[], input: Record<string, unknown>, tokenMax: number) => {
    const token = string(input, 'nextToken', tokenMax, false);
    const start = token === undefined ? 0 : Number(Buffer.from(token, 'base64url').toString());
    if (!Number.isInteger(start) || start < 0 || start > items.length) throw new ServiceError('InvalidToken', 'Invalid Token');
    const size = Math.min(pageSize(input), options.pageLimit ?? Infinity);
    const end = start + size;
    return { items: items.slice(start, end), nextToken: end < items.length ? Buffer.from(String(end)).toString('base64url') : undefined };
  };

  const operations: Record<string, (input: Record<string, unknown>) => unknown> = {
    ListStateMachineVersions: (input) => {
      const arn = string(input, 'stateMachineArn', 256, true)!;
      if (!STATE_MACHINE_ARN.test(arn)) throw new ServiceError('InvalidArn', `Invalid Arn: '${arn}'`);
      const versions = [...(machines.get(arn)?.versions ?? [])].reverse();
      const { items, nextToken } = page(versions, input, 1024);
      return {
        stateMachineVersions: items.map((version) => ({ stateMachineVersionArn: version.arn, creationDate: version.created.getTime() / 1000 })),
        ...(nextToken ? { nextToken } : {}),
      };
    },
    ListExecutions: (input) => {
      const arn = string(input, 'stateMachineArn', 256, false);
      if (arn === undefined) throw new ServiceError('ValidationException', 'Must provide a StateMachine ARN or MapRun ARN');
      const status = input.statusFilter;
      if (status !== undefined && !EXECUTION_STATUSES.has(status as string)) {
        throw new ServiceError(
          'ValidationException',
          `1 validation error detected: Value '${String(status)}' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum value set`,
        );
      }
      if (!VERSION_ARN.test(arn) && !STATE_MACHINE_ARN.test(arn)) throw new ServiceError('InvalidArn', `Invalid Arn: '${arn}'`);
      const matching = executions.filter(
        (execution) => (execution.versionArn === arn || execution.versionArn.startsWith(`${arn}:`)) && (status === undefined || execution.status === status),
      );
      const { items, nextToken } = page(matching, input, 3096);
      return {
        executions: items.map((execution) => ({
          executionArn: `${execution.versionArn.replace(':stateMachine:', ':execution:').replace(/:\d+$/, '')}:${execution.name}`,
          stateMachineArn: execution.versionArn.replace(/:\d+$/, ''),
          stateMachineVersionArn: execution.versionArn,
          name: execution.name,
          status: execution.status,
          startDate: 0,
        })),
        ...(nextToken ? { nextToken } : {}),
      };
    },
    DeleteStateMachineVersion: (input) => {
      const arn = string(input, 'stateMachineVersionArn', 2000, true)!;
      if (!VERSION_ARN.test(arn)) throw new ServiceError('ValidationException', `Invalid version ARN: '${arn}'`);
      const machine = machines.get(arn.replace(/:\d+$/, ''));
      if (machine) machine.versions = machine.versions.filter((version) => version.arn !== arn);
      return {};
    },
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const target = String(request.headers['x-amz-target'] ?? '');
    const operation = target.startsWith('AWSStepFunctions.') ? target.slice('AWSStepFunctions.'.length) : '';
    const answer = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
      response.end(JSON.stringify(body));
    };
    try {
      if (request.headers['content-type'] !== 'application/x-amz-json-1.0')
        throw new ServiceError('UnknownOperationException', 'Expected application/x-amz-json-1.0');
      const handler = operations[operation];
      if (!handler) throw new ServiceError('UnknownOperationException', `No such operation: ${target}`);
      const input = JSON.parse(Buffer.concat(chunks).toString() || '{}') as Record<string, unknown>;
      calls.push({ operation, input });
      if (denied.has(operation))
        throw new ServiceError(
          'AccessDeniedException',
          `User: arn:aws:sts::123456789012:assumed-role/sluice-registration/fn is not authorized to perform: states:${operation}`,
        );
      answer(200, handler(input));
    } catch (error) {
      if (!(error instanceof ServiceError)) throw error;
      answer(error.status, { __type: error.type, message: error.message });
    }
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      response.writeHead(500);
      response.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    publish: (stateMachineArn) => {
      const machine = machines.get(stateMachineArn) ?? { next: 1, versions: [] };
      machines.set(stateMachineArn, machine);
      const arn = `${stateMachineArn}:${machine.next}`;
      machine.next += 1;
      machine.versions.push({ arn, created: new Date() });
      return arn;
    },
    execute: (versionArn, status) => executions.push({ versionArn, status, name: `e-${executions.length + 1}` }),
    finish: (versionArn) => {
      for (const execution of executions) if (execution.versionArn === versionArn && execution.status === 'RUNNING') execution.status = 'SUCCEEDED';
    },
    versions: (stateMachineArn) => (machines.get(stateMachineArn)?.versions ?? []).map((version) => version.arn),
    calls,
    deny: (operation) => denied.add(operation),
    close: () => new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
