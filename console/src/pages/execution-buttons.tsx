import type { PipelineDescription } from '../../../lib/operations/sluice-api';
import type { PipelineExecutionRecord } from '../../../lib/ports/execution-store';
import type { ConsoleApi } from '../api/client';
import { textField } from '../components/confirm-dialog';
import { OperationButton } from '../components/operation-button';
import { shortId } from './links';

/** Start execution: asks for the pipeline's variables, each filled with its default. */
export function StartExecutionButton({ api, pipeline, onDone }: { api: ConsoleApi; pipeline: PipelineDescription; onDone: () => void }) {
  const variables = pipeline.declaration.variables ?? [];
  return (
    <OperationButton
      label="Start execution"
      title={`Start an execution of ${pipeline.name}`}
      description={<p>A new execution of version {pipeline.version} runs from the first stage, with the latest revision of each source.</p>}
      confirmLabel="Start"
      onConfirm={async (form) => {
        const values = Object.fromEntries(variables.map(({ name }) => [name, textField(form, `variable:${name}`)]));
        await api.startExecution(pipeline.name, values);
        onDone();
      }}
    >
      {variables.length > 0 && (
        <fieldset>
          <legend>Variables</legend>
          {variables.map((variable) => (
            <label key={variable.name}>
              {variable.name}
              {variable.description && <span class="muted"> {variable.description}</span>}
              <input name={`variable:${variable.name}`} defaultValue={variable.defaultValue ?? ''} />
            </label>
          ))}
        </fieldset>
      )}
    </OperationButton>
  );
}

/** Stop an execution, letting its running actions finish (wait) or abandoning them. */
export function StopExecutionButton({
  api,
  pipelineName,
  execution,
  onDone,
}: {
  api: ConsoleApi;
  pipelineName: string;
  execution: PipelineExecutionRecord | undefined;
  onDone: () => void;
}) {
  const refusal = !execution ? 'No execution is running.' : execution.status !== 'InProgress' ? `The execution is ${execution.status}.` : undefined;
  return (
    <OperationButton
      label="Stop execution"
      title={execution ? `Stop execution ${shortId(execution.pipelineExecutionId)}` : 'Stop execution'}
      disabledReason={refusal}
      description={<p>No further action of the execution starts.</p>}
      confirmLabel="Stop"
      danger
      onConfirm={async (form) => {
        const reason = textField(form, 'reason');
        await api.stopExecution(pipelineName, execution!.pipelineExecutionId, { abandon: form.get('mode') === 'abandon', ...(reason ? { reason } : {}) });
        onDone();
      }}
    >
      <fieldset>
        <legend>The actions running now</legend>
        <label>
          <input type="radio" name="mode" value="wait" defaultChecked /> Stop and wait: they finish, then the execution stops
        </label>
        <label>
          <input type="radio" name="mode" value="abandon" /> Stop and abandon: they are abandoned, and the execution stops at once
        </label>
      </fieldset>
      <label>
        Reason
        <input name="reason" maxLength={200} />
      </label>
    </OperationButton>
  );
}
