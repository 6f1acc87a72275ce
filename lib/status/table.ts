import type { Exposure } from '../facts/types.js';
import type { ServiceStatus, StatusReport } from './types.js';

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

/** `active pid 1234`, `inactive`: what runs for an Accept=no socket. */
function processCell(service: NonNullable<ServiceStatus['service']>): string {
  return service.mainPid === null ? service.active : `${service.active} pid ${service.mainPid}`;
}

/** `0.2 SAFE`, as systemd-analyze says it, or `unknown`. */
export function formatExposure(exposure: Exposure | null | undefined): string {
  return exposure ? `${exposure.score.toFixed(1)} ${exposure.label}` : 'unknown';
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
