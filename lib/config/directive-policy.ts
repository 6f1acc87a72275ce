/**
 * Which extra `socket:`/`service:` directives a service may set without `privileged: true`.
 *
 * The list is an allow-list on purpose: systemd gains directives with every release, and one that
 * is not known here may run code as root, add privileges or write outside the sandbox. What is
 * allowed tunes the socket, limits resources or narrows the sandbox further; a value that turns a
 * protection off (`PrivateTmp=no`, an empty `SystemCallFilter=`) loosens it and is privileged too.
 */

export type DirectiveSection = 'socket' | 'service';

const SOCKET_ALLOWED = new Set([
  'Backlog', 'BindIPv6Only', 'BindToDevice', 'Broadcast', 'DeferAcceptSec', 'FlushPending', 'FreeBind',
  'IPAddressAllow', 'IPAddressDeny', 'IPTOS', 'IPTTL', 'KeepAlive', 'KeepAliveIntervalSec', 'KeepAliveProbes',
  'KeepAliveTimeSec', 'MaxConnections', 'MaxConnectionsPerSource', 'NoDelay', 'PassCredentials',
  'PassPacketInfo', 'PassSecurity', 'PollLimitBurst', 'PollLimitIntervalSec', 'Priority', 'ReceiveBuffer',
  'ReusePort', 'SendBuffer', 'SocketProtocol', 'TCPCongestion', 'Timestamping', 'TimeoutSec',
  'TriggerLimitBurst', 'TriggerLimitIntervalSec',
]);

/** Protections that a false value turns off. */
const SANDBOX_SWITCHES = new Set([
  'LockPersonality', 'MemoryDenyWriteExecute', 'NoNewPrivileges', 'PrivateDevices', 'PrivateIPC', 'PrivateMounts',
  'PrivateNetwork', 'PrivateTmp', 'PrivateUsers', 'ProtectClock', 'ProtectControlGroups', 'ProtectHome',
  'ProtectHostname', 'ProtectKernelLogs', 'ProtectKernelModules', 'ProtectKernelTunables', 'ProtectSystem',
  'RemoveIPC', 'RestrictNamespaces', 'RestrictRealtime', 'RestrictSUIDSGID',
]);

/** Lists that narrow the sandbox; an empty assignment resets them, and so removes earlier limits. */
const SANDBOX_LISTS = new Set([
  'InaccessiblePaths', 'IPAddressDeny', 'NoExecPaths', 'ReadOnlyPaths', 'RestrictAddressFamilies',
  'RestrictFileSystems', 'SystemCallArchitectures', 'SystemCallFilter',
]);

const SERVICE_ALLOWED = new Set([
  ...SANDBOX_SWITCHES, ...SANDBOX_LISTS,
  'CapabilityBoundingSet', 'DevicePolicy', 'IPAddressAllow', 'KeyringMode', 'ProcSubset', 'ProtectProc',
  'SystemCallErrorNumber', 'SystemCallLog', 'TemporaryFileSystem', 'UMask',
  // resources and limits
  'AllowedCPUs', 'CPUAccounting', 'CPUAffinity', 'CPUQuota', 'CPUWeight', 'IOAccounting', 'IOSchedulingClass',
  'IOSchedulingPriority', 'IOWeight', 'IPAccounting', 'LimitAS', 'LimitCORE', 'LimitCPU', 'LimitDATA', 'LimitFSIZE',
  'LimitLOCKS', 'LimitMEMLOCK', 'LimitMSGQUEUE', 'LimitNICE', 'LimitNOFILE', 'LimitNPROC', 'LimitRSS', 'LimitRTPRIO',
  'LimitRTTIME', 'LimitSIGPENDING', 'LimitSTACK', 'MemoryAccounting', 'MemoryHigh', 'MemoryLow', 'MemoryMax',
  'MemoryMin', 'MemorySwapMax', 'Nice', 'OOMScoreAdjust', 'TasksAccounting', 'TasksMax', 'TimerSlackNSec',
  // the process, its logs and its lifetime
  'CacheDirectory', 'CacheDirectoryMode', 'ConfigurationDirectory', 'ConfigurationDirectoryMode', 'Environment',
  'FinalKillSignal', 'IgnoreSIGPIPE', 'KillMode', 'KillSignal', 'LogExtraFields', 'LogLevelMax', 'LogRateLimitBurst',
  'LogRateLimitIntervalSec', 'LogsDirectory', 'LogsDirectoryMode', 'PassEnvironment', 'Personality', 'Restart',
  'RestartKillSignal', 'RestartSec', 'RuntimeDirectory', 'RuntimeDirectoryMode', 'RuntimeDirectoryPreserve',
  'RuntimeMaxSec', 'RuntimeRandomizedExtraSec', 'SendSIGHUP', 'SendSIGKILL', 'SetCredential', 'StandardOutput',
  'StateDirectory', 'StateDirectoryMode', 'SuccessExitStatus', 'SyslogFacility', 'SyslogIdentifier', 'SyslogLevel',
  'SyslogLevelPrefix', 'TimeoutSec', 'TimeoutStartSec', 'TimeoutStopSec', 'Type', 'UnsetEnvironment',
  'WatchdogSec', 'WorkingDirectory',
  // commands run as the service's own user, unless a prefix says otherwise (see below)
  'ExecCondition', 'ExecReload', 'ExecStartPost', 'ExecStartPre', 'ExecStop', 'ExecStopPost',
]);

const FALSE_VALUES = new Set(['no', 'false', 'off', '0']);
const COMMAND_DIRECTIVES = /^Exec/;

/**
 * Why `key=value` in `section` needs `privileged: true` on its service, or null when it does not.
 * The reason completes "… needs privileged: true: REASON".
 */
export function privilegedReason(section: DirectiveSection, key: string, value: string): string | null {
  if (section === 'socket') {
    if (COMMAND_DIRECTIVES.test(key)) return 'a socket unit runs its commands as root';
    return SOCKET_ALLOWED.has(key) ? null : 'it is not on the allow-list of socket directives';
  }
  if (!SERVICE_ALLOWED.has(key)) return 'it is not on the allow-list of service directives';
  if (COMMAND_DIRECTIVES.test(key) && /^[@:\-]*[+!]/.test(value)) return 'the + or ! prefix runs the command with full privileges';
  if (SANDBOX_SWITCHES.has(key) && FALSE_VALUES.has(value.toLowerCase())) return 'it turns a protection of the sandbox off';
  if (SANDBOX_LISTS.has(key) && value.trim() === '') return 'an empty value resets the list and removes its limits';
  if (key === 'CapabilityBoundingSet' && value.trim() !== '' && !value.trim().startsWith('~')) return 'it adds capabilities to the bounding set';
  if (key === 'StandardOutput' && /^(file|append|truncate):/.test(value)) return 'systemd opens that file as root, outside the sandbox';
  return null;
}
