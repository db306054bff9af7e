/**
 * The build's log as CodeBuild writes it: command output as it comes, and the agent's own lines
 * prefixed "[Container] <UTC time>". An agent line always starts on a line of its own, even after
 * output that did not end with a newline.
 */
export class BuildLog {
  private atLineStart = true;

  constructor(private readonly onLog: (text: string) => void) {}

  output(text: string): void {
    if (text === '') return;
    this.atLineStart = text.endsWith('\n');
    this.onLog(text);
  }

  container(message: string): void {
    const iso = new Date().toISOString();
    const time = `${iso.slice(0, 10).replaceAll('-', '/')} ${iso.slice(11, 23)}`;
    this.onLog(`${this.atLineStart ? '' : '\n'}[Container] ${time} ${message}\n`);
    this.atLineStart = true;
  }
}
