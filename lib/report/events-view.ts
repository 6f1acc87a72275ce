import { createWriteStream, type WriteStream } from 'node:fs';
import type { RunEvent } from '../run/types.js';
import { jsonHostEntry } from './json.js';
import type { View } from './view.js';

/** `--events FILE`: one JSON object per line as things happen (input errors and warnings too), for tools that follow a run live. */
export class EventsFileView implements View {
  readonly #stream: WriteStream;

  constructor(file: string) {
    this.#stream = createWriteStream(file, { mode: 0o600 });
  }

  onEvent(event: RunEvent): void {
    this.#stream.write(`${JSON.stringify(eventRecord(event))}\n`);
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#stream.on('error', reject);
      this.#stream.end(resolve);
    });
  }
}

/** The line written for an event: its names are stable; no file content, no secrets. */
function eventRecord(event: RunEvent): Record<string, unknown> {
  const at = new Date().toISOString();
  switch (event.type) {
    case 'host-finished':
      return { type: event.type, at, host: event.result.host, ...jsonHostEntry(event.result) };
    case 'run-finished':
      return {
        type: event.type,
        at,
        interrupted: event.interrupted,
        durationMs: event.durationMs,
        ...(event.stoppedBy ? { stoppedBy: event.stoppedBy } : {}),
        statuses: Object.fromEntries(event.results.map((result) => [result.host, result.status])),
      };
    case 'idempotence':
      return { type: event.type, at, idempotent: event.drifting.length === 0, drifting: event.drifting };
    default:
      return { ...event, at };
  }
}
