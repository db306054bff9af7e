import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { constants } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import treeKill from 'tree-kill';

/** How one command ended: with an exit status, with the shell itself gone, or killed by `kill()`. */
export type CommandOutcome = { kind: 'exited'; exitCode: number } | { kind: 'shell-ended'; exitCode: number } | { kind: 'killed' };

export interface ShellSessionOptions {
  shell: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** The shell's stdout and stderr, in the order they were written. */
  onOutput: (text: string) => void;
}

/**
 * One long-lived shell fed one command at a time over stdin, as CodeBuild 0.2 runs a whole build in
 * one shell instance, so `cd` and `export` carry over. After each command the shell prints a marker
 * with `$?` to fd 9, a copy of the stdout pipe taken before any command ran: markers and output
 * share one pipe and so stay in order, and a command that redirects its own stdout cannot hide them.
 */
export class ShellSession {
  private readonly marker = `__sluice_${randomUUID().replaceAll('-', '')}__`;
  private readonly child: ChildProcessByStdio<Writable, Readable, Readable>;
  private readonly ended: Promise<void>;
  private unscanned = '';
  private settleCommand: ((outcome: CommandOutcome) => void) | undefined;
  private endStatus: number | undefined;
  private killRequested = false;
  private killed: Promise<void> | undefined;

  constructor(private readonly options: ShellSessionOptions) {
    // Detached: the shell leads its own process group, so the whole build can be killed at once.
    this.child = spawn(options.shell, [], { cwd: options.cwd, env: options.env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.setEncoding('utf8').on('data', (chunk: string) => this.scan(chunk));
    this.child.stderr.setEncoding('utf8').on('data', options.onOutput);
    // Writing to a shell that has just died raises EPIPE; its 'exit' already settles the command.
    this.child.stdin.on('error', () => undefined);
    this.ended = new Promise((resolve) => {
      this.child.on('error', (error) => {
        options.onOutput(`Could not start ${options.shell} in ${options.cwd}: ${error.message}\n`);
        this.end(127);
        resolve();
      });
      this.child.on('exit', (code, signal) => {
        this.end(code ?? 128 + (signal ? constants.signals[signal] : 0));
        resolve();
      });
    });
    this.child.stdin.write('exec 2>&1 9>&1\n');
  }

  /** The process group of the shell and everything it starts; undefined when the shell could not start. */
  get groupId(): number | undefined {
    return this.child.pid;
  }

  /** Runs one command; in a subshell when nothing it does should outlive it (buildspec 0.1). */
  run(command: string, options: { subshell: boolean }): Promise<CommandOutcome> {
    if (this.killRequested) return Promise.resolve({ kind: 'killed' });
    if (this.endStatus !== undefined) return Promise.resolve(this.endOutcome(this.endStatus));
    const evaluation = `eval ${singleQuoted(command)}`;
    return new Promise((resolve) => {
      this.settleCommand = resolve;
      this.child.stdin.write(`${options.subshell ? `( ${evaluation} )` : evaluation} </dev/null 9>&-\nprintf '%s %s\\n' ${this.marker} "$?" >&9\n`);
    });
  }

  /**
   * Kills the shell and everything it started, background processes included, and waits for it to
   * end. Only once: a later call must not signal the group id, which another process may have by then.
   */
  kill(): Promise<void> {
    this.killed ??= this.killOnce();
    return this.killed;
  }

  private async killOnce(): Promise<void> {
    const pid = this.child.pid;
    if (pid !== undefined) {
      this.killRequested = true;
      // tree-kill finds descendants that left the process group (setsid); it needs the shell alive to find them.
      if (this.endStatus === undefined) await new Promise((resolve) => treeKill(pid, 'SIGKILL', resolve));
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // No process is left in the group.
      }
    }
    await this.ended;
    for (const stream of [this.child.stdin, this.child.stdout, this.child.stderr]) stream.destroy();
  }

  private scan(chunk: string): void {
    let text = this.unscanned + chunk;
    for (let at = text.indexOf(this.marker); at !== -1; at = text.indexOf(this.marker)) {
      const lineEnd = text.indexOf('\n', at);
      if (lineEnd === -1) break;
      this.output(text.slice(0, at));
      const exitCode = Number(text.slice(at + this.marker.length, lineEnd));
      text = text.slice(lineEnd + 1);
      // A kill reaches the command's processes before the shell: the shell may still report their end.
      this.settle(this.killRequested ? { kind: 'killed' } : { kind: 'exited', exitCode });
    }
    const stop = heldBackFrom(text, this.marker);
    this.output(text.slice(0, stop));
    this.unscanned = text.slice(stop);
  }

  private end(status: number): void {
    if (this.endStatus !== undefined) return;
    this.endStatus = status;
    this.output(this.unscanned);
    this.unscanned = '';
    this.settle(this.endOutcome(status));
  }

  private endOutcome(status: number): CommandOutcome {
    return this.killRequested ? { kind: 'killed' } : { kind: 'shell-ended', exitCode: status };
  }

  private settle(outcome: CommandOutcome): void {
    const settle = this.settleCommand;
    this.settleCommand = undefined;
    settle?.(outcome);
  }

  private output(text: string): void {
    if (text !== '') this.options.onOutput(text);
  }
}

/** Where to stop emitting `text`: at a marker whose line is incomplete, or at a tail that may start one. */
function heldBackFrom(text: string, marker: string): number {
  const at = text.indexOf(marker);
  if (at !== -1) return at;
  for (let length = Math.min(marker.length - 1, text.length); length > 0; length--) {
    if (marker.startsWith(text.slice(text.length - length))) return text.length - length;
  }
  return text.length;
}

/** `text` as one shell word, whatever it contains. */
export function singleQuoted(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}
