import { spawn } from 'node:child_process';

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

interface RunOptions {
  input?: string;
  /** Kill the command and fail after this many milliseconds. */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

/** Runs a program without a shell and collects its output; never rejects on a non-zero exit. */
export function runCommand(argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
  const [program, ...args] = argv;
  if (program === undefined) throw new Error('runCommand: empty command');
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      env: options.env ?? process.env,
      timeout: options.timeoutMs,
      killSignal: 'SIGKILL',
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const err = Buffer.concat(stderr).toString();
      resolve({
        exitCode: code ?? 128 + (signal === 'SIGKILL' ? 9 : 15),
        stdout: Buffer.concat(stdout).toString(),
        stderr: signal ? `${err}${err ? '\n' : ''}killed by ${signal}` : err,
      });
    });
    if (options.input !== undefined && child.stdin) child.stdin.end(options.input);
  });
}

/** Like runCommand, but a non-zero exit is an error carrying the command and its stderr. */
export async function runChecked(argv: readonly string[], options: RunOptions = {}): Promise<string> {
  const result = await runCommand(argv, options);
  if (result.exitCode !== 0) {
    throw new CommandFailedError(argv, result);
  }
  return result.stdout;
}

class CommandFailedError extends Error {
  readonly result: CommandResult;
  constructor(argv: readonly string[], result: CommandResult) {
    const tail = result.stderr.trim().split('\n').slice(-5).join('\n');
    super(`\`${argv.join(' ')}\` exited with ${result.exitCode}${tail ? `: ${tail}` : ''}`);
    this.name = 'CommandFailedError';
    this.result = result;
  }
}
