import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { framedRequest, SERVE_FUNCTIONS } from '../../lib/apply/host-shell.js';
import { PROBE_FUNCTIONS } from '../../lib/facts/probe.js';

const IDLE_SECONDS = 1;

/** The host shell's request loop in a local /bin/sh, fed `request` in `chunks` pieces `pauseMs` apart. */
async function serve(request: string, chunks: number, pauseMs: number): Promise<{ stdout: string; exitedAfterMs: number }> {
  const started = Date.now();
  const shell = spawn('/bin/sh', ['-c', `${PROBE_FUNCTIONS}${SERVE_FUNCTIONS}octoi_serve ${IDLE_SECONDS}\n`], { stdio: ['pipe', 'pipe', 'inherit'] });
  let stdout = '';
  shell.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  const exited = new Promise<void>((resolve) => shell.on('exit', () => resolve()));
  const size = Math.ceil(request.length / chunks);
  for (let offset = 0; offset < request.length; offset += size) {
    shell.stdin.write(request.slice(offset, offset + size));
    await Promise.race([sleep(pauseMs), exited]);
  }
  await exited;
  return { stdout, exitedAfterMs: Date.now() - started };
}

/** A request of about `bytes` bytes that prints `ran` when it runs. */
function requestOf(bytes: number): string {
  return framedRequest(`printf 'ran\\n'\n#${'x'.repeat(bytes)}\n`);
}

describe('the host shell reading a request', () => {
  it('runs a large request that takes longer than the idle wait to arrive, as long as it keeps coming', async () => {
    // 4 KiB at ~1.7 KiB/s: 2.4 s to arrive, past the 1 s idle wait, within its 1 s + 4 s bound.
    const { stdout } = await serve(requestOf(4096), 6, 400);
    assert.match(stdout, /^ran\n::octoi:: done\n/);
  });

  it('runs nothing of a request whose rest never comes, and ends', async () => {
    const request = requestOf(1000);
    const { stdout, exitedAfterMs } = await serve(request.slice(0, 600), 1, 10_000);
    assert.equal(stdout, '');
    assert.ok(exitedAfterMs < 8_000, `ended after ${exitedAfterMs} ms, its bound being 1 s`);
  });

  it('runs nothing of a request cut off before its end line, though every byte it announced came', async () => {
    const request = requestOf(100);
    const withoutEnd = request.replace(/# ::octoi:: end of request\n$/, '#\n'.padEnd('# ::octoi:: end of request\n'.length, '#'));
    assert.equal(withoutEnd.length, request.length);
    const { stdout } = await serve(withoutEnd, 1, 3_000);
    assert.equal(stdout, '');
  });
});
