import { randomBytes } from 'node:crypto';
import { shellCommand } from '../shell.js';

export interface BecomeOptions {
  /** Default root. */
  user?: string;
  /** For `sudo -S`; sent on stdin only when sudo prompts, never logged. */
  password?: string;
}

/** A command wrapped in sudo, with the markers that tell when sudo asks for the password or is done. */
export interface BecomeCommand {
  command: string;
  /** sudo's prompt on stderr: answer it with the password. */
  prompt?: string;
  /** Printed by the command's shell once sudo let it run: from then on stdin belongs to the command. */
  ready?: string;
}

/**
 * `sudo -n` without a password. With one, `sudo -S` and a unique prompt: the password is written
 * only when that prompt appears, and the caller's stdin only after the ready marker, so neither
 * ever reaches the other's reader (sudo may not ask at all, e.g. NOPASSWD or cached credentials).
 */
export function becomeCommand(command: string, become: BecomeOptions): BecomeCommand {
  const user = become.user ?? 'root';
  if (become.password === undefined) {
    return { command: shellCommand(['sudo', '-n', '-u', user, '--', 'sh', '-c', command]) };
  }
  const token = randomBytes(12).toString('hex');
  const prompt = `[octoi-sudo-${token}] password:`;
  const ready = `octoi-become-ready-${token}`;
  return {
    command: shellCommand(['sudo', '-S', '-p', prompt, '-u', user, '--', 'sh', '-c', `echo ${ready}; eval "$1"`, 'sh', command]),
    prompt,
    ready,
  };
}
