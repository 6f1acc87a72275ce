import type { Action } from './types.js';

/** Terraform-style symbols: `+` adds, `~` changes in place, `-` removes, `±` restarts or reloads. */
type ActionSymbol = '+' | '~' | '-' | '±';

function actionSymbol(action: Action): ActionSymbol {
  switch (action.kind) {
    case 'write-file':
      return action.change === 'create' ? '+' : '~';
    case 'create-directory':
    case 'create-group':
    case 'enable-socket':
    case 'start-socket':
      return '+';
    case 'remove-file':
    case 'remove-drop-in':
    case 'remove-group':
    case 'remove-directory':
    case 'remove-temp-file':
    case 'disable-socket':
    case 'stop-instances':
    case 'stop-service':
      return '-';
    case 'adopt-file':
      return '~';
    case 'daemon-reload':
    case 'restart-socket':
    case 'restart-service':
    case 'reset-failed':
      return '±';
  }
}

/** One line a human reads in a plan or a report, e.g. `± restart x.socket (not listening on *:13064)`. */
export function describeAction(action: Action): string {
  return `${actionSymbol(action)} ${printable(actionText(action))}`;
}

function actionText(action: Action): string {
  switch (action.kind) {
    case 'write-file':
      return action.change === 'mode'
        ? `set mode ${octal(action.mode)} root:${action.group ?? 'root'} on ${action.path}`
        : `${action.change} ${action.path} (${octal(action.mode)})${action.privileged ? ` [privileged: ${action.privileged.join(', ')}]` : ''}`;
    case 'create-directory':
      return `create directory ${action.path} (0755)`;
    case 'create-group':
      return `create group ${action.group} (may read the secret script)`;
    case 'remove-group':
      return `remove group ${action.group}`;
    case 'adopt-file':
      return `adopt ${action.path} (${action.reason})`;
    case 'remove-file':
      return `remove ${action.path}`;
    case 'remove-drop-in':
      return `remove drop-in ${action.path} (not allowed by allow_drop_ins)`;
    case 'remove-directory':
      return `remove directory ${action.path}`;
    case 'remove-temp-file':
      return `remove leftover temp file ${action.path}`;
    case 'daemon-reload':
      return 'daemon-reload';
    case 'enable-socket':
      return `enable ${action.unit}`;
    case 'start-socket':
      return `start ${action.unit}`;
    case 'restart-socket':
      return `restart ${action.unit} (${action.reason})`;
    case 'restart-service':
      return `restart ${action.unit} if it runs (${action.reason})`;
    case 'stop-service':
      return `stop ${action.unit} (${action.reason})`;
    case 'disable-socket':
      return `disable --now ${action.unit}`;
    case 'stop-instances':
      return `stop running instances of ${action.template}`;
    case 'reset-failed':
      return `reset-failed ${action.units.join(' ')}`;
  }
}

interface ActionSummary {
  add: number;
  change: number;
  remove: number;
  /** Restarts, reloads and resets. */
  restart: number;
  total: number;
}

export function summarizeActions(actions: readonly Action[]): ActionSummary {
  const summary: ActionSummary = { add: 0, change: 0, remove: 0, restart: 0, total: actions.length };
  const field = { '+': 'add', '~': 'change', '-': 'remove', '±': 'restart' } as const;
  for (const action of actions) summary[field[actionSymbol(action)]] += 1;
  return summary;
}

/** `1 to add, 2 to change, 0 to remove, 1 to restart/reload`, or `no changes`. */
export function formatSummary(summary: ActionSummary): string {
  if (summary.total === 0) return 'no changes';
  return `${summary.add} to add, ${summary.change} to change, ${summary.remove} to remove, ${summary.restart} to restart/reload`;
}

function octal(mode: number): string {
  return mode.toString(8).padStart(4, '0');
}

/** Paths come from playbooks: keep control characters from breaking a report line. */
function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
