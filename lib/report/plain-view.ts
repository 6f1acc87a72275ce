import type { RunEvent } from '../run/types.js';
import { hostResultLines } from './host-lines.js';
import { formatRecap } from './recap.js';
import { formatIdempotence, formatPlanSummary, writeShown, type HumanStreams, writeNotice } from './summary-lines.js';
import type { View } from './view.js';

/** Line-oriented output for CI logs and pipes: every line names its host; input errors and warnings go to `err`. */
export class PlainView implements View {
  readonly #streams: HumanStreams;

  constructor(streams: HumanStreams) {
    this.#streams = streams;
  }

  onEvent(event: RunEvent): void {
    switch (event.type) {
      case 'diagnostics':
      case 'interrupt':
        writeNotice(this.#streams, event);
        break;
      case 'run-started':
        this.#write(`octoi: ${event.playbook}: ${event.hosts.length} ${event.hosts.length === 1 ? 'host' : 'hosts'}${event.check ? ' (check mode: nothing is changed)' : ''}`);
        break;
      case 'play-started':
        this.#write(`play "${event.play}": ${event.hosts.join(', ') || 'no hosts left'}`);
        break;
      case 'host-finished':
        for (const line of hostResultLines(event.result)) this.#write(line);
        break;
      case 'run-finished':
        this.#write(formatRecap(event.results, event.durationMs, event.interrupted));
        break;
      case 'plan-summary':
        this.#write(formatPlanSummary(event));
        break;
      case 'idempotence':
        writeShown(this.#streams, formatIdempotence(event));
        break;
      default:
        break;
    }
  }

  async close(): Promise<void> {}

  #write(line: string): void {
    writeShown(this.#streams, { text: line, error: false });
  }
}
