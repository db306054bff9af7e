import type { Caller } from '../core/audit';
import { BadInputError, NotFoundError } from '../core/errors';
import type { SluiceApi } from '../operations/sluice-api';
import type { EventFeed } from '../ports/event-bus';
import type { StreamedRequest, EventStreamRoutes, EventStreamSink } from '../ports/streamed-routes';
import { pathParameter } from './path-parameter';

export interface ConsoleStreamDependencies {
  api: (caller: Caller) => SluiceApi;
  /** Every event of the installation, as it is published. */
  events: EventFeed;
  /** How often a followed log is read again; an action's log grows in the artifact store, which tells no one. */
  logPollMs: number;
}

const STATE_CHANGES = '/console/api/stream';
const LOG_STREAM = /^\/console\/api\/executions\/([^/]+)\/logs\/stream$/;

/** `GET /console/api/stream`: every state-change event. */
const stateChanges = (events: EventFeed, sink: EventStreamSink): (() => void) => events.subscribe((event) => sink.send({ event: 'state-change', data: event }));

/** Whether an action of the execution is the one the request names, as `Stage/Action` or by its name alone, as the logs route takes it. */
const named = (name: string) => (action: { stageName: string; actionName: string }) =>
  action.actionName === name || `${action.stageName}/${action.actionName}` === name;

/**
 * `GET /console/api/executions/{id}/logs/stream?action=NAME`: the action's log as it grows, then
 * `end` once the action has ended and its log has been read whole after that.
 */
async function actionLog(api: SluiceApi, executionId: string, actionName: string, pollMs: number, sink: EventStreamSink): Promise<() => void> {
  // Before anything is sent: an execution that does not exist is a 404, not an empty stream.
  await api.getPipelineExecution(executionId);
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let sentLength = 0;
  const read = async () => {
    const { execution, actions } = await api.getPipelineExecution(executionId);
    const action = actions.find(named(actionName));
    // A log is read whole only once its action has ended: what it read before may have missed the last lines.
    const ended = action ? action.status !== 'InProgress' : execution.status !== 'InProgress';
    const [log] = action ? await api.getLogs(executionId, actionName) : [];
    if (stopped) return;
    const text = log?.text ?? '';
    if (text.length > sentLength) sink.send({ event: 'log', data: { text: text.slice(sentLength) } });
    sentLength = Math.max(sentLength, text.length);
    if (ended) {
      sink.send({ event: 'end', data: {} });
      sink.end();
      return;
    }
    timer = setTimeout(follow, pollMs);
  };
  const follow = () => {
    read().catch((error: unknown) => {
      if (stopped) return;
      console.error(`Following the log of ${actionName} in execution ${executionId} failed:`, error);
      sink.end();
    });
  };
  follow();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

/**
 * The console's streams, which only a server that streams serves (`sluice serve`): where the
 * console polls on AWS, here it is told of each event and each new line as it happens.
 */
export function consoleEventStreams(deps: ConsoleStreamDependencies): EventStreamRoutes {
  return {
    serves: (path) => path === STATE_CHANGES || LOG_STREAM.test(path),
    open: async (request: StreamedRequest, sink: EventStreamSink) => {
      if (request.path === STATE_CHANGES) return stateChanges(deps.events, sink);
      const match = LOG_STREAM.exec(request.path);
      if (!match) throw new NotFoundError(`Nothing at ${request.path}.`);
      const actionName = request.query.action;
      if (!actionName) throw new BadInputError('Name the action whose log to follow: ?action=Stage/Action, or the action name alone.');
      const api = deps.api({ who: request.principal ?? 'an unnamed principal', from: request.sourceIp });
      return actionLog(api, pathParameter(match[1]!), actionName, deps.logPollMs, sink);
    },
  };
}
