/**
 * Captures the sessions test/fixtures/sessions/ replays, from a one-host lab (Debian 12; needs root):
 * `npx tsc -p . && node dist/test/run/capture-sessions.js`. gw01 converges the fixture playbook as
 * `octoi play` would, each pass with a new connection whose every request and answer is recorded:
 * fresh-host (version 1 on a new host), converged-host (version 1 again), apply-fails (version 2,
 * whose port another program holds: the files go in, the socket's restart fails, the previous
 * version is put back).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveTargets } from '../../lib/run/targets.js';
import { prepareRun } from '../../lib/run/prepare.js';
import { runPlaybook } from '../../lib/run/run-playbook.js';
import { SessionPool } from '../../lib/run/session-pool.js';
import type { Conversation } from '../../lib/ssh/conversation.js';
import type { HostSession } from '../../lib/ssh/session.js';
import { SshError } from '../../lib/ssh/errors.js';
import { startLab, type TestLab } from '../helpers/lab.js';
import { sessionFixtures, type CapturedFailure, type Exchange } from '../helpers/replay-session.js';

const HOST = 'gw01';
/** Version 2's port, held by a program of the host's own. */
const HELD_PORT = 15302;

function failureOf(error: unknown): CapturedFailure {
  if (error instanceof SshError) return { reason: error.reason, message: error.message };
  throw error;
}

/** The conversation as octoi sees it, every answer also written down in `exchanges`. */
function recordedConversation(conversation: Conversation, exchanges: Exchange[], opened: Exchange & { call: 'converse' }): Conversation {
  let answering: { output: string; failure?: CapturedFailure } = opened;
  exchanges.push(opened);
  const recorded = {
    write(data: string): void {
      const request = /^run (\d+)\n/.exec(data);
      if (request) {
        const exchange: Exchange = { call: 'run', request: data.slice(request[0].length), output: '' };
        exchanges.push(exchange);
        answering = exchange;
      }
      conversation.write(data);
    },
    async readUntil(line: string, timeoutMs?: number): Promise<string> {
      try {
        const output = await conversation.readUntil(line, timeoutMs);
        answering.output += output;
        return output;
      } catch (error) {
        answering.failure = failureOf(error);
        if (error instanceof SshError && error.output) answering.output += error.output.stdout;
        throw error;
      }
    },
    async end(timeoutMs?: number) {
      const exit = await conversation.end(timeoutMs);
      exchanges.push({ call: 'end', ...exit });
      return exit;
    },
  };
  return new Proxy(conversation, {
    get: (target, property) => {
      if (property in recorded) return Reflect.get(recorded, property) as unknown;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value.bind(target) as unknown) : value;
    },
  });
}

function recordedSession(session: HostSession, exchanges: Exchange[]): HostSession {
  return {
    target: session.target,
    get counters() {
      return session.counters;
    },
    async exec(command, options) {
      const result = await session.exec(command, options).catch((error: unknown) => {
        exchanges.push({ call: 'exec', command, failure: failureOf(error) });
        throw error;
      });
      exchanges.push({ call: 'exec', command, result });
      return result;
    },
    async converse(command, options) {
      return recordedConversation(await session.converse(command, options), exchanges, { call: 'converse', output: '' });
    },
    countUploads: (files) => session.countUploads(files),
    openTcp: () => Promise.reject(new Error('the captured playbook declares no check')),
    close: () => session.close(),
    ...(session.become === undefined ? {} : { become: session.become }),
  };
}

/** One `octoi play` pass of the fixture playbook on gw01 as a host of group `version`, recorded. */
async function capture(lab: TestLab, version: string, name: string, how: string): Promise<void> {
  const groups = join(lab.dir, `${version}.yml`);
  writeFileSync(groups, `${version}:\n  hosts:\n    ${HOST}:\n`);
  const prepared = await prepareRun({ playbookFile: join(sessionFixtures, 'playbook.yml'), inventories: [lab.inventoryPath, groups], limit: [HOST], extraVars: [] });
  const exchanges: Exchange[] = [];
  const real = new SessionPool(await resolveTargets(prepared.inventory, prepared.hosts), {});
  const sessions = new (class extends SessionPool {
    override async get(host: string): Promise<HostSession> {
      return recordedSession(await real.get(host), exchanges);
    }
  })(new Map(), {});
  try {
    const summary = await runPlaybook({
      command: 'play', runId: prepared.runId, playbookFile: prepared.playbook.file, plays: prepared.plays, desired: prepared.desired, forks: 1, check: false, diff: false,
      lockWaitSeconds: 30, rollback: { windowSeconds: 300 }, sessions, onEvent: () => {},
    });
    const result = summary.results[0];
    const source = `${how}: octoi play of playbook.yml (group ${version}) on lab host ${HOST} (Debian 12), as root, `
      + `recorded by test/run/capture-sessions.ts on ${new Date().toISOString().slice(0, 10)}; the run ended ${result?.status}`
      + `${result?.error ? ` (${result.error.reason})` : ''}`;
    writeFileSync(join(sessionFixtures, `${name}.json`), `${JSON.stringify({ source, exchanges }, null, 2)}\n`);
    process.stdout.write(`${name}: ${exchanges.length} exchanges, ${result?.status}\n`);
  } finally {
    await real.closeAll();
  }
}

const lab = await startLab([{ release: 'bookworm' }]);
try {
  await capture(lab, 'version1', 'fresh-host', 'a host octoi never touched');
  await capture(lab, 'version1', 'converged-host', 'the same host right after');
  const held = await lab.exec(HOST, ['sh', '-c', `systemd-run --unit=port-holder systemd-socket-activate -l 0.0.0.0:${HELD_PORT} sleep 3600 && sleep 1 && ss -Hltn 'sport = :${HELD_PORT}' | grep -q .`]);
  if (held.exitCode !== 0) throw new Error(`cannot hold port ${HELD_PORT}: ${held.stderr}`);
  await capture(lab, 'version2', 'apply-fails', `the same host, systemd-socket-activate (started by systemd-run) listening on 0.0.0.0:${HELD_PORT}`);
} finally {
  await lab.down();
}
