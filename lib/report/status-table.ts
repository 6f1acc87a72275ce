import type { Diagnostic } from '../diagnostics.js';
import { formatExposure } from '../facts/exposure.js';
import type { HostStatusEntry, ServiceStatus } from '../host/status.js';
import { writeShown, type HumanStreams, writeNotice } from './summary-lines.js';
import type { View } from './view.js';

/** The document of `octoi status --json FILE`; other tools read these names, keep them stable. */
export interface StatusReport {
  hosts: Record<string, HostStatusEntry>;
  /** Input errors (then `hosts` is empty) and warnings, each with its file, line and column where it has one. */
  diagnostics?: Diagnostic[];
}

const HEADER = ['HOST', 'SERVICE', 'ENABLED', 'ACTIVE', 'LISTENING', 'ACCEPTED', 'CONNECTIONS', 'REFUSED', 'EXPOSURE'];
/** Shown when an Accept=no service is in the table: its one service's state and main PID. */
const PROCESS_HEADER = 'PROCESS';
/** The counters line up on their last digit. */
const NUMERIC_COLUMNS = new Set([5, 6, 7]);

/**
 * What `octoi status` prints: one row per host and service, then a line for every host whose
 * status could not be read or that has no service, then the host counts. Pure.
 */
export function formatStatusTable(report: StatusReport): string {
  const entries = Object.entries(report.hosts);
  const rows = entries.flatMap(([host, entry]) =>
    Object.entries(entry.services).map(([name, service]) => [
      host,
      name,
      service.enabled,
      service.active,
      service.listening.length > 0 ? service.listening.join(',') : '-',
      String(service.accepted),
      String(service.connections),
      String(service.refused),
      formatExposure(service.exposure),
      service.service ? processCell(service.service) : '-',
    ]),
  );
  const withProcess = entries.some(([, entry]) => Object.values(entry.services).some((service) => service.service !== undefined));
  const header = withProcess ? [...HEADER, PROCESS_HEADER] : HEADER;
  const shown = rows.map((row) => row.slice(0, header.length));
  const notes = entries.flatMap(([host, entry]) => {
    if (entry.status !== 'ok') return [`${host}: ${entry.status}: ${entry.error ?? 'no reason given'}`];
    return Object.keys(entry.services).length === 0 ? [`${host}: no socket-activated services`] : [];
  });
  const count = (status: string): number => entries.filter(([, entry]) => entry.status === status).length;
  const totals = `${entries.length} ${entries.length === 1 ? 'host' : 'hosts'}: ${count('ok')} ok, ${count('unreachable')} unreachable, ${count('failed')} failed`;
  return [...(shown.length > 0 ? alignColumns([header, ...shown]) : []), ...notes, totals].join('\n');
}

/** `octoi status` on a terminal or pipe: the table once every host is read; input errors and warnings on `err`. */
export function statusTableView(streams: HumanStreams): View {
  return {
    onEvent(event) {
      writeNotice(streams, event);
      if (event.type === 'status-finished') writeShown(streams, { text: formatStatusTable({ hosts: event.hosts }), error: false });
    },
    close: async () => {},
  };
}

/** `active pid 1234`, `inactive`: what runs for an Accept=no socket. */
function processCell(service: NonNullable<ServiceStatus['service']>): string {
  return service.mainPid === null ? service.active : `${service.active} pid ${service.mainPid}`;
}

function alignColumns(rows: readonly string[][]): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0)));
  return rows.map((row) =>
    row
      .map((cell, column) => (NUMERIC_COLUMNS.has(column) ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}
