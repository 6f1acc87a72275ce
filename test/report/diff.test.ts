import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatFileDiff } from '../../lib/report/diff.js';

describe('file diffs', () => {
  it('shows a unified diff naming host and path', () => {
    const text = formatFileDiff('gw01', {
      path: '/etc/systemd/system/x.socket',
      before: '[Socket]\nListenStream=13063\nAccept=yes\n',
      after: '[Socket]\nListenStream=13064\nAccept=yes\n',
      secret: false,
    });
    assert.equal(
      text,
      [
        '--- gw01:/etc/systemd/system/x.socket',
        '+++ gw01:/etc/systemd/system/x.socket',
        '@@ -1,3 +1,3 @@',
        ' [Socket]',
        '-ListenStream=13063',
        '+ListenStream=13064',
        ' Accept=yes',
        '',
      ].join('\n'),
    );
  });

  it('diffs a new file against /dev/null', () => {
    const text = formatFileDiff('gw02', { path: '/opt/x/x.sh', before: null, after: '#!/bin/sh\n', secret: false });
    assert.match(text, /^--- \/dev\/null\n\+\+\+ gw02:\/opt\/x\/x\.sh\n@@ -0,0 \+1,1 @@\n\+#!\/bin\/sh\n/);
  });

  it('never shows the text of a secret file', () => {
    const text = formatFileDiff('gw01', { path: '/opt/x/x.sh', before: 'token=old\n', after: 'token=new\n', secret: true });
    assert.doesNotMatch(text, /token/);
    assert.match(text, /content not shown: the playbook marks it secret/);
  });
});
