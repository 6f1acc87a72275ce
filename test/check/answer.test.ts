import assert from 'node:assert/strict';
import { Duplex } from 'node:stream';
import { describe, it } from 'node:test';
import { answerMatcher, describeExpectation, describeReceived, MAX_ANSWER_BYTES, readAnswer } from '../../lib/check/answer.js';
import { mismatch } from '../../lib/check/run-checks.js';

/** A connection whose far side the test plays: what it pushes arrives as the service's answer; what octoi writes is kept. */
function connection(): { stream: Duplex; written: Buffer[]; serve: (...chunks: (string | Buffer | null)[]) => void } {
  const written: Buffer[] = [];
  const stream = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, callback) {
      written.push(chunk);
      callback();
    },
  });
  // Each chunk arrives in its own turn of the event loop, as packets do.
  const serve = (...chunks: (string | Buffer | null)[]): void => {
    chunks.forEach((chunk, index) => setImmediate(() => setTimeout(() => stream.push(chunk), index)));
  };
  return { stream, written, serve };
}

describe('reading an answer', () => {
  it('matches text that arrives split over several chunks', async () => {
    const { stream, serve } = connection();
    serve('Hel', 'lo Wo', 'rld\n');
    const answer = await readAnswer(stream, { expect: { kind: 'text', text: 'Hello World' }, timeoutMs: 10_000 });
    assert.equal(answer.end, 'matched');
    assert.equal(answer.received.toString(), 'Hello World\n');
    assert.ok(stream.destroyed, 'the connection is closed once the answer matched');
  });

  it('matches a regular expression over a UTF-8 character cut between two chunks', async () => {
    const { stream, serve } = connection();
    const text = Buffer.from('Grüß Gott\n');
    serve(text.subarray(0, 3), text.subarray(3));
    const answer = await readAnswer(stream, { expect: { kind: 'regex', source: '^Grüß Gott\\n' }, timeoutMs: 10_000 });
    assert.equal(answer.end, 'matched');
  });

  it('^ and $ match at each line, so ^Hello World$ matches a line that ends in a newline', async () => {
    const { stream, serve } = connection();
    serve('220 ready\r\n', 'Hello World\n');
    assert.equal((await readAnswer(stream, { expect: { kind: 'regex', source: '^Hello World$' }, timeoutMs: 10_000 })).end, 'matched');
  });

  it('stops at the first match: a service that keeps talking is not read to its end', async () => {
    const { stream, serve } = connection();
    serve('200 OK\n', 'more\n', 'and more\n');
    const answer = await readAnswer(stream, { expect: { kind: 'regex', source: '^200 ' }, timeoutMs: 10_000 });
    assert.equal(answer.end, 'matched');
    assert.equal(answer.received.toString(), '200 OK\n');
  });

  it('sends `send` first, and nothing when there is none', async () => {
    const asked = connection();
    asked.serve('pong\n');
    await readAnswer(asked.stream, { send: 'ping\r\n', expect: { kind: 'text', text: 'pong' }, timeoutMs: 10_000 });
    assert.equal(Buffer.concat(asked.written).toString(), 'ping\r\n');
    const silent = connection();
    silent.serve('hello');
    await readAnswer(silent.stream, { expect: { kind: 'text', text: 'hello' }, timeoutMs: 10_000 });
    assert.deepEqual(silent.written, []);
  });

  it('ends with what came back when the service closes without the answer', async () => {
    const { stream, serve } = connection();
    serve('Hello Wrold\n', null);
    const answer = await readAnswer(stream, { expect: { kind: 'regex', source: 'Hello World' }, timeoutMs: 10_000 });
    assert.equal(answer.end, 'closed');
    assert.equal(answer.received.toString(), 'Hello Wrold\n');
  });

  it('ends at the timeout with what came back so far', async () => {
    const { stream, serve } = connection();
    serve('Hello Wrold');
    const answer = await readAnswer(stream, { expect: { kind: 'regex', source: 'Hello World' }, timeoutMs: 200 });
    assert.equal(answer.end, 'timeout');
    assert.equal(answer.received.toString(), 'Hello Wrold');
    assert.ok(stream.destroyed, 'the connection is closed at the timeout');
  });

  it('stops reading a service that streams without the answer at MAX_ANSWER_BYTES', async () => {
    const { stream, serve } = connection();
    serve(...Array.from({ length: 5 }, () => Buffer.alloc(MAX_ANSWER_BYTES / 2, 'y')));
    const answer = await readAnswer(stream, { expect: { kind: 'text', text: 'n' }, timeoutMs: 10_000 });
    assert.equal(answer.end, 'too-long');
    assert.equal(answer.received.length, MAX_ANSWER_BYTES);
  });

  it('a text expectation is literal: regex characters in it match themselves', () => {
    const matches = answerMatcher({ kind: 'text', text: 'a.b (1)' });
    assert.equal(matches('it says a.b (1)!'), true);
    assert.equal(matches('axb 1'), false);
  });
});

describe('what a failed check says', () => {
  const where = 'port 13063 on 127.0.0.1';

  it('names what came back, its size, when, and what was expected', () => {
    assert.equal(
      mismatch(where, { received: Buffer.from('Hello Wrold'), end: 'timeout' }, 5000, describeExpectation({ kind: 'regex', source: 'Hello World' }), 5),
      "port 13063 on 127.0.0.1 answered 'Hello Wrold' (11 bytes) after 5.0 s; expected /Hello World/ within 5 s",
    );
    assert.equal(
      mismatch(where, { received: Buffer.from('Hello Wrold\n'), end: 'closed' }, 42, describeExpectation({ kind: 'text', text: 'Hello World' }), 10),
      'port 13063 on 127.0.0.1 answered \'Hello Wrold\\n\' (12 bytes) and closed the connection after 0.0 s; expected "Hello World"',
    );
    assert.equal(
      mismatch(where, { received: Buffer.alloc(0), end: 'timeout' }, 10_000, '/x/', 10),
      'port 13063 on 127.0.0.1 answered nothing (0 bytes) after 10.0 s; expected /x/ within 10 s',
    );
  });

  it('shows any answer on one line: control characters, quotes and backslashes escaped, long ones cut', () => {
    assert.equal(describeReceived(Buffer.from("it's\t\\ \u0000\u001b[31m\r\n")), "'it\\'s\\t\\\\ \\x00\\x1b[31m\\r\\n' (15 bytes)");
    assert.equal(describeReceived(Buffer.from('x')), "'x' (1 byte)");
    const long = describeReceived(Buffer.alloc(MAX_ANSWER_BYTES, 'y'));
    assert.match(long, /^'y{200}'… \(65536 bytes, the most octoi reads\)$/);
  });
});
