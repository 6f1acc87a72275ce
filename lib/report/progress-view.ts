import { Listr, type ListrTask } from 'listr2';
import type { HostResult, RunEvent } from '../run/types.js';
import { hostResultLines } from './host-lines.js';
import { formatRecap, hostSummary } from './recap.js';
import { formatIdempotence, formatPlanSummary, writeShown, type HumanStreams, type ShownText, writeNotice } from './summary-lines.js';
import type { View } from './view.js';

interface HostLine {
  title: (text: string) => void;
  finished: (result: HostResult) => void;
}

/**
 * The terminal view: one live line per host with its current step (listr2), then what each
 * changed or failed host did, then the recap. It only reads events; the run never waits on it.
 */
export class ProgressView implements View {
  readonly #streams: HumanStreams;
  readonly #hosts = new Map<string, HostLine>();
  #listr: Promise<void> = Promise.resolve();
  #results: HostResult[] = [];
  #recap = '';
  #started = false;
  /** What comes after the recap (plan's summary, the idempotence verdict): written once the live lines are done. */
  readonly #closing: ShownText[] = [];

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
        this.#started = true;
        this.#start(event.hosts);
        break;
      case 'host-step':
        this.#hosts.get(event.host)?.title(`${event.host}: ${event.step}`);
        break;
      case 'host-finished':
        this.#hosts.get(event.result.host)?.finished(event.result);
        break;
      case 'run-finished':
        // Hosts of later plays that were never started still hold a line: settle them.
        for (const result of event.results) this.#hosts.get(result.host)?.finished(result);
        this.#results = event.results;
        this.#recap = formatRecap(event.results, event.durationMs, event.interrupted);
        break;
      case 'plan-summary':
        this.#closing.push({ text: formatPlanSummary(event), error: false });
        break;
      case 'idempotence':
        this.#closing.push(formatIdempotence(event));
        break;
      default:
        break;
    }
  }

  async close(): Promise<void> {
    await this.#listr;
    if (!this.#started) return;
    const details = this.#results.filter((result) => result.status !== 'ok').flatMap(hostResultLines);
    writeShown(this.#streams, { text: [...details, this.#recap].filter(Boolean).join('\n'), error: false });
    for (const shown of this.#closing) writeShown(this.#streams, shown);
  }

  #start(hosts: readonly string[]): void {
    const tasks: ListrTask[] = hosts.map((host) => ({
      title: `${host}: waiting`,
      task: (_context, task) =>
        new Promise<void>((resolve, reject) => {
          let settled = false;
          this.#hosts.set(host, {
            title: (text) => {
              if (!settled) task.title = text;
            },
            finished: (result) => {
              if (settled) return;
              settled = true;
              task.title = `${host}: ${result.status}: ${hostSummary(result)}`;
              if (result.status === 'failed' || result.status === 'unreachable') reject(new Error(task.title));
              else resolve();
            },
          });
        }),
    }));
    const listr = new Listr(tasks, {
      concurrent: true,
      exitOnError: false,
      registerSignalListeners: false,
      rendererOptions: { collapseErrors: true, showErrorMessage: false },
    });
    this.#listr = listr.run().then(
      () => undefined,
      () => undefined,
    );
  }
}
