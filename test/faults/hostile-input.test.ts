import assert from 'node:assert/strict';
import { posix } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { parsePlaybook } from '../../lib/config/playbook.js';
import { SCRIPT_ROOTS } from '../../lib/config/service.js';
import { OctoiError } from '../../lib/diagnostics.js';
import { desiredService } from '../../lib/desired/render.js';
import { fixedServices } from '../helpers/plays.js';

/** Injection attempts of every kind, and arbitrary text. */
const hostile = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 24 }),
  fc.constantFrom('a\nb', 'a\rb', 'nul\0', 'a;reboot', '$(reboot)', '`id`', "'\"", '%n', '%%i', '..', '../../etc/passwd', 'a/../b', '-rf', 'a b', '[Unit]', 'x\\', 'ExecStartPre=/bin/sh', 'a\u2028b'),
);
/** Names systemd and octoi accept, so the property below sees accepted services too. */
const plainName = fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/);

describe('hostile playbook fields (property)', () => {
  it('name, group, listen and script path: refused with FILE:LINE:COL and a field, or rendered only where they belong', async () => {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(
        // Valid values weigh more, so about a quarter of the services pass validation and are rendered.
        fc.oneof({ arbitrary: plainName, weight: 3 }, hostile),
        fc.oneof({ arbitrary: plainName, weight: 3 }, hostile),
        fc.oneof({ arbitrary: fc.integer({ min: 1, max: 65535 }), weight: 4 }, fc.integer(), hostile),
        fc.oneof({ arbitrary: plainName, weight: 3 }, hostile),
        async (name, group, listen, scriptName) => {
          const service = { name, listen, user: { user: 'nobody', group }, script: { content: 'x', path: `/opt/svc/${scriptName}` } };
          const text = stringify([{ hosts: 'all', services: [service] }]);
          let spec;
          try {
            spec = fixedServices((await parsePlaybook('p.yml', text)).plays[0])[0];
          } catch (error) {
            assert.ok(error instanceof OctoiError, String(error));
            assert.equal(error.kind, 'invalid-input');
            for (const diagnostic of error.diagnostics) {
              assert.equal(diagnostic.position?.file, 'p.yml', diagnostic.message);
              assert.ok((diagnostic.position?.line ?? 0) >= 1 && (diagnostic.position?.column ?? 0) >= 1, diagnostic.message);
              assert.ok(diagnostic.field, `no field: ${diagnostic.message}`);
            }
            return;
          }
          assert.ok(spec);
          accepted += 1;
          const desired = desiredService(spec);
          const [socket, template, script] = desired.files.map((file) => file.path);
          assert.equal(socket, `/etc/systemd/system/${name}.socket`);
          assert.equal(template, `/etc/systemd/system/${name}@.service`);
          assert.ok(script && posix.normalize(script) === script && SCRIPT_ROOTS.some((root) => script.startsWith(root)), script);
          assert.doesNotMatch(name, /[\s/\\;$`'"%\0]|\.\./, 'a unit name is plain');
          for (const file of desired.files.slice(0, 2)) {
            const groups = file.content.split('\n').filter((line) => line.startsWith('Group='));
            assert.ok(groups.length <= 1 && !/[\r\0]/.test(file.content), file.content);
          }
        },
      ),
      { numRuns: 300 },
    );
    assert.ok(accepted > 30, `only ${accepted} generated services were accepted: the property is close to vacuous`);
  });
});
