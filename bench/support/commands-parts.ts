/**
 * Where a Commands action's time goes, from one run's records (`sluice run --json`) and its logs
 * (`sluice logs --json`): the action's start and end times from its record, and CodeBuild's
 * "[Container]" lines, whose UTC times mark where its phases begin and end.
 */

/** One Commands action's parts, in ms. */
export interface CommandsActionParts {
  action: string;
  /** From the action's start to its first phase: the input artifacts fetched and unpacked, the buildspec read, the shell started. */
  prepareMs: number;
  /** Its phases, commands and all. */
  commandsMs: number;
  /** UPLOAD_ARTIFACTS: its output files gathered (the zip is made after it). */
  uploadArtifactsMs: number;
  /** From its last "[Container]" line to its end: the output zipped and stored, the log stored, the record written. */
  completeMs: number;
  totalMs: number;
}

interface ActionRecord {
  stageName: string;
  actionName: string;
  startTime: string;
  lastUpdateTime: string;
  input: { actionTypeId: { provider: string } };
}

/** `[Container] 2026/12/07 23:12:47.068` is UTC. */
const containerTime = (text: string) => Date.parse(`${text.replaceAll('/', '-').replace(' ', 'T')}Z`);

interface ActionLogText {
  stageName: string;
  actionName: string;
  text: string;
}

/** `runJson` is what `sluice run --json` printed, `logsJson` what `sluice logs --json` printed for the same execution. */
export function commandsActionParts(runJson: string, logsJson: string): CommandsActionParts[] {
  const { logs } = JSON.parse(logsJson) as { logs: ActionLogText[] };
  const containerLines = (stageName: string, actionName: string) =>
    [
      ...(logs.find((log) => log.stageName === stageName && log.actionName === actionName)?.text ?? '').matchAll(
        /^\[Container\] (\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d\.\d{3}) (.*)$/gm,
      ),
    ].map((match) => ({ at: containerTime(match[1]!), message: match[2]! }));
  const { actions } = JSON.parse(runJson) as { actions: ActionRecord[] };
  return actions
    .filter((record) => record.input.actionTypeId.provider === 'Commands')
    .map((record) => {
      const action = `${record.stageName}/${record.actionName}`;
      const container = containerLines(record.stageName, record.actionName);
      const start = Date.parse(record.startTime);
      const end = Date.parse(record.lastUpdateTime);
      const firstPhase = container.find(({ message }) => message.startsWith('Entering phase'));
      const uploadEnd = container.find(({ message }) => message.startsWith('Phase complete: UPLOAD_ARTIFACTS'));
      const phasesEnd = container.filter(({ message }) => message.startsWith('Phase complete:') && !message.includes('UPLOAD_ARTIFACTS')).at(-1);
      if (!firstPhase || !phasesEnd) throw new Error(`${action} logged no phases:\n${container.map(({ message }) => message).join('\n')}`);
      const last = container.at(-1)!;
      return {
        action,
        prepareMs: firstPhase.at - start,
        commandsMs: phasesEnd.at - firstPhase.at,
        uploadArtifactsMs: uploadEnd ? uploadEnd.at - phasesEnd.at : 0,
        completeMs: end - last.at,
        totalMs: end - start,
      };
    });
}
