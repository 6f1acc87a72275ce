import type { Duplex } from 'node:stream';
import { CHECK_REGEX_FLAGS, type CheckExpectation } from '../units/types.js';

/** The most octoi reads of an answer: a service that streams must not fill the controller's memory. */
export const MAX_ANSWER_BYTES = 64 * 1024;

/** What a service sent back, and why reading stopped. */
export interface Answer {
  received: Buffer;
  end: 'matched' | 'closed' | 'timeout' | 'too-long';
  durationMs: number;
}

/** Whether the text read so far holds the expected answer. */
export function answerMatcher(expect: CheckExpectation): (text: string) => boolean {
  if (expect.kind === 'text') return (text) => text.includes(expect.text);
  const pattern = new RegExp(expect.source, CHECK_REGEX_FLAGS);
  return (text) => pattern.test(text);
}

/** `"Hello World"` for text, `/^Hello/` for a regular expression. */
export function describeExpectation(expect: CheckExpectation): string {
  return expect.kind === 'text' ? JSON.stringify(expect.text) : `/${expect.source}/`;
}

/**
 * Sends `send`, then reads until the answer matches, the service closes, `timeoutMs` passes or
 * MAX_ANSWER_BYTES came back. The stream is destroyed at the end. Each chunk is matched against
 * everything read so far, decoded as UTF-8, so an answer split over packets matches as one.
 */
export function readAnswer(stream: Duplex, options: { send?: string; expect: CheckExpectation; timeoutMs: number }): Promise<Answer> {
  const started = Date.now();
  const matches = answerMatcher(options.expect);
  const chunks: Buffer[] = [];
  let size = 0;
  let done = false;
  return new Promise((resolve) => {
    const finish = (end: Answer['end']): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      stream.removeAllListeners('data');
      stream.on('error', () => {});
      stream.destroy();
      resolve({ received: Buffer.concat(chunks).subarray(0, MAX_ANSWER_BYTES), end, durationMs: Date.now() - started });
    };
    const timer = setTimeout(() => finish('timeout'), options.timeoutMs);
    stream.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (matches(Buffer.concat(chunks).subarray(0, MAX_ANSWER_BYTES).toString('utf8'))) finish('matched');
      else if (size >= MAX_ANSWER_BYTES) finish('too-long');
    });
    stream.once('end', () => finish('closed'));
    stream.once('close', () => finish('closed'));
    stream.once('error', () => finish('closed'));
    if (options.send !== undefined) stream.write(options.send);
  });
}

/** `'Hello Wrold\n' (12 bytes)`, or `nothing (0 bytes)`. */
export function describeReceived(received: Buffer): string {
  const bytes = `${received.length} ${received.length === 1 ? 'byte' : 'bytes'}`;
  if (received.length === 0) return `nothing (${bytes})`;
  const text = received.toString('utf8');
  const shown = text.length > SHOWN_CHARACTERS ? `${quoted(text.slice(0, SHOWN_CHARACTERS))}…` : quoted(text);
  return `${shown} (${bytes}${received.length >= MAX_ANSWER_BYTES ? ', the most octoi reads' : ''})`;
}

const SHOWN_CHARACTERS = 200;

/** Single-quoted, with control characters, quotes and backslashes escaped: one line, whatever came back. */
function quoted(text: string): string {
  const escaped = text.replace(/[\\'\u0000-\u001f\u007f-\u009f]/g, (char) => {
    const named: Record<string, string> = { '\\': '\\\\', "'": "\\'", '\n': '\\n', '\r': '\\r', '\t': '\\t' };
    return named[char] ?? `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
  return `'${escaped}'`;
}
