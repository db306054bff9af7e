import { DETAIL_TYPES, type PipelineEvent } from '../core/events';
import type { ActionLogRef } from '../artifacts/action-log';

const TAIL_LINES = 25;

const seconds = (from: number, to: number) => `${((to - from) / 1000).toFixed(1)}s`;

/**
 * Live progress of a local run, one line per change: each stage and action with its status and
 * duration, action logs as they come (unless quiet), and the tail of a failing action's log.
 */
export class RunProgress {
  private readonly started = new Map<string, number>();
  private readonly tails = new Map<string, string[]>();
  private readonly partial = new Map<string, string>();

  constructor(
    private readonly write: (line: string) => void,
    private readonly options: { showLogs: boolean },
  ) {}

  readonly onLog = (ref: ActionLogRef, text: string): void => {
    const key = `${ref.stageName}/${ref.actionName}`;
    const lines = ((this.partial.get(key) ?? '') + text).split('\n');
    this.partial.set(key, lines.pop() ?? '');
    const tail = this.tails.get(key) ?? [];
    tail.push(...lines);
    this.tails.set(key, tail.slice(-TAIL_LINES));
    if (this.options.showLogs) for (const line of lines) this.write(`    ${key} | ${line}`);
  };

  readonly onEvent = (event: PipelineEvent): void => {
    const now = Date.parse(event.time);
    switch (event['detail-type']) {
      case DETAIL_TYPES.pipeline: {
        const { state, pipeline } = event.detail;
        if (state === 'STARTED') this.write(`${pipeline}: execution ${event.detail['execution-id']} started`);
        else
          this.write(
            `${pipeline}: ${state.toLowerCase()}${event.detail['execution-result']?.['external-execution-summary'] ? ` (${event.detail['execution-result']['external-execution-summary']})` : ''}`,
          );
        break;
      }
      case DETAIL_TYPES.stage: {
        const { stage, state } = event.detail;
        if (state === 'STARTED') this.started.set(stage, now);
        // A stage that is stopping has not ended: its time is told when it has.
        else if (state === 'STOPPING') this.write(`  ${stage}: stopping`);
        else this.write(`  ${stage}: ${state.toLowerCase()} in ${seconds(this.started.get(stage) ?? now, now)}`);
        break;
      }
      case DETAIL_TYPES.action: {
        const { stage, action, state } = event.detail;
        const key = `${stage}/${action}`;
        if (state === 'STARTED') {
          this.started.set(key, now);
          this.write(`  ${key}: started`);
          break;
        }
        const summary = event.detail['execution-result']?.['external-execution-summary'];
        this.write(`  ${key}: ${state.toLowerCase()} in ${seconds(this.started.get(key) ?? now, now)}${summary ? `: ${summary}` : ''}`);
        if (state === 'FAILED' && !this.options.showLogs) {
          const tail = [...(this.tails.get(key) ?? []), this.partial.get(key) ?? ''].filter((line) => line !== '');
          if (tail.length > 0) this.write([`    last ${tail.length} lines of the log:`, ...tail.map((line) => `    | ${line}`)].join('\n'));
        }
        break;
      }
    }
  };
}
