import type { ScalarTag, Tags } from 'yaml';

/**
 * The scalars of YAML 1.1 as Ansible's loader reads them: PyYAML's implicit resolvers
 * (`yaml/resolver.py`) and SafeConstructor's conversions (`yaml/constructor.py`), copied exactly
 * because the `yaml` package's own 1.1 schema differs on y/n, `1e3`, `08`, `-.5` and timestamps.
 * The regular expressions below are PyYAML's, with its verbose-mode spacing removed.
 */
const resolvers = {
  bool: /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/,
  float:
    /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
  int: /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/,
  null: /^(?:~|null|Null|NULL|)$/,
  timestamp:
    /^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$/,
  value: /^(?:=)$/,
};

/** PyYAML's `timestamp_regexp`, which the constructor matches to take a timestamp apart. */
const timestampParts =
  /^(?<year>[0-9][0-9][0-9][0-9])-(?<month>[0-9][0-9]?)-(?<day>[0-9][0-9]?)(?:(?:[Tt]|[ \t]+)(?<hour>[0-9][0-9]?):(?<minute>[0-9][0-9]):(?<second>[0-9][0-9])(?:\.(?<fraction>[0-9]*))?(?:[ \t]*(?<tz>Z|(?<tzSign>[-+])(?<tzHour>[0-9][0-9]?)(?::(?<tzMinute>[0-9][0-9]))?))?)?$/;

class UnreadableScalar extends Error {}

const unreadable = (text: string, kind: string): UnreadableScalar =>
  new UnreadableScalar(`Ansible cannot read ${JSON.stringify(text)} as ${kind}; quote it to keep it as text`);

/** `construct_yaml_int`: underscores dropped, then 0b, 0x, a leading 0 (octal), or base 60 with colons. */
function constructInt(text: string): number {
  let value = text.replaceAll('_', '');
  const sign = value.startsWith('-') ? -1 : 1;
  if (value[0] === '-' || value[0] === '+') value = value.slice(1);
  const digits = (body: string, pattern: RegExp, radix: number): number => {
    if (!pattern.test(body)) throw unreadable(text, 'an integer');
    return sign * parseInt(body, radix);
  };
  if (value === '0') return 0;
  if (value.startsWith('0b')) return digits(value.slice(2), /^[01]+$/, 2);
  if (value.startsWith('0x')) return digits(value.slice(2), /^[0-9a-fA-F]+$/, 16);
  if (value.startsWith('0')) return digits(value, /^[0-7]+$/, 8);
  if (value.includes(':')) return sign * sexagesimal(value);
  return digits(value, /^[0-9]+$/, 10);
}

/** `construct_yaml_float`: underscores dropped, case ignored, `.inf`/`.nan`, base 60 with colons. */
function constructFloat(text: string): number {
  let value = text.replaceAll('_', '').toLowerCase();
  const sign = value.startsWith('-') ? -1 : 1;
  if (value[0] === '-' || value[0] === '+') value = value.slice(1);
  if (value === '.inf') return sign * Infinity;
  if (value === '.nan') return NaN;
  if (value.includes(':')) return sign * sexagesimal(value);
  return sign * Number(value);
}

function sexagesimal(value: string): number {
  return value.split(':').reduce((total, part) => total * 60 + Number(part), 0);
}

/**
 * `construct_yaml_timestamp` gives Python a date or datetime, which Ansible prints with `isoformat()`;
 * octoi keeps that text, since its variables are plain JSON data.
 */
function constructTimestamp(text: string): string {
  const parts = timestampParts.exec(text)?.groups;
  if (!parts) throw unreadable(text, 'a timestamp');
  const [year, month, day] = [parts['year'], parts['month'], parts['day']].map(Number) as [number, number, number];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth) throw unreadable(text, 'a date');
  const pad = (value: number | string, width = 2): string => String(value).padStart(width, '0');
  const date = `${pad(year, 4)}-${pad(month)}-${pad(day)}`;
  if (parts['hour'] === undefined) return date;
  const [hour, minute, second] = [parts['hour'], parts['minute'], parts['second']].map(Number) as [number, number, number];
  if (hour > 23 || minute > 59 || second > 59) throw unreadable(text, 'a time of day');
  const micro = parts['fraction'] ? Number(parts['fraction'].slice(0, 6).padEnd(6, '0')) : 0;
  const time = `${pad(hour)}:${pad(minute)}:${pad(second)}${micro ? `.${pad(micro, 6)}` : ''}`;
  return `${date}T${time}${timeZone(parts, text)}`;
}

/** Python's `isoformat()` of the offset: `+00:00` for Z, nothing for a naive time. */
function timeZone(parts: Record<string, string | undefined>, text: string): string {
  if (parts['tzSign'] === undefined) return parts['tz'] ? '+00:00' : '';
  const minutes = Number(parts['tzHour']) * 60 + Number(parts['tzMinute'] ?? 0);
  if (minutes >= 24 * 60) throw unreadable(text, 'a time zone offset');
  const sign = parts['tzSign'] === '-' && minutes > 0 ? '-' : '+';
  return `${sign}${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

function scalarTag(tag: string, test: RegExp, construct: (text: string) => unknown): ScalarTag {
  return {
    tag: `tag:yaml.org,2002:${tag}`,
    default: true,
    test,
    resolve(text, onError) {
      try {
        return construct(text);
      } catch (error) {
        if (!(error instanceof UnreadableScalar)) throw error;
        onError(error.message);
        return text;
      }
    },
  };
}

/** Resolvers are tried in PyYAML's order; their patterns never overlap, so the order only documents. */
const ansibleScalarTags: readonly ScalarTag[] = [
  scalarTag('bool', resolvers.bool, (text) => ['yes', 'true', 'on'].includes(text.toLowerCase())),
  scalarTag('float', resolvers.float, constructFloat),
  scalarTag('int', resolvers.int, constructInt),
  scalarTag('null', resolvers.null, () => null),
  scalarTag('timestamp', resolvers.timestamp, constructTimestamp),
  // PyYAML resolves a plain `=` to a tag SafeConstructor has no constructor for, so Ansible fails.
  scalarTag('value', resolvers.value, () => {
    throw new UnreadableScalar('Ansible cannot read a plain "=" (it has no constructor for tag:yaml.org,2002:value); quote it: "="');
  }),
];

const replacedTags = new Set(ansibleScalarTags.map((tag) => tag.tag));

/** The `yaml` package's 1.1 tags with the scalar ones replaced by PyYAML's, plus `extra` (such as `!vault`). */
export function ansibleTags(extra: readonly ScalarTag[] = []): (tags: Tags) => Tags {
  return (tags) => [
    ...tags.filter((tag) => typeof tag === 'string' || !replacedTags.has(tag.tag)),
    ...ansibleScalarTags,
    ...extra,
  ];
}
