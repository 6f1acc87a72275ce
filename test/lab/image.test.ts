import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { packageRoot } from '../../lib/paths.js';
import { imageCacheDir, mirrorInSources, recipeHash } from '../../lib/lab/image.js';

const fixture = (name: string): string => readFileSync(join(packageRoot(), 'test', 'fixtures', 'lab', name), 'utf8');

describe('lab image', () => {
  it('finds the mirror of the suite in a deb822 .sources file', () => {
    assert.equal(mirrorInSources(fixture('debian.sources'), 'bookworm'), 'http://deb.debian.org/debian');
    assert.equal(mirrorInSources(fixture('debian.sources'), 'trixie'), undefined);
  });

  it('finds the mirror of the suite in a one-line sources.list, options and deb-src lines aside', () => {
    assert.equal(mirrorInSources(fixture('sources.list'), 'bookworm'), 'http://ftp.de.debian.org/debian');
    assert.equal(mirrorInSources(fixture('sources.list'), 'bookworm-security'), 'http://security.debian.org/debian-security');
  });

  it('names the cached image by a hash of its recipe, stable between calls', async () => {
    const hash = await recipeHash("bookworm");
    assert.match(hash, /^[0-9a-f]{16}$/);
    assert.equal(await recipeHash(), hash);
  });

  it('caches images outside the project unless told where', () => {
    const saved = process.env['OCTOI_IMAGE_CACHE'];
    try {
      delete process.env['OCTOI_IMAGE_CACHE'];
      assert.equal(imageCacheDir({}), '/var/cache/octoi/images');
      process.env['OCTOI_IMAGE_CACHE'] = '/srv/images';
      assert.equal(imageCacheDir({}), '/srv/images');
      assert.equal(imageCacheDir({ imageCacheDir: '/opt/images' }), '/opt/images');
    } finally {
      if (saved === undefined) delete process.env['OCTOI_IMAGE_CACHE'];
      else process.env['OCTOI_IMAGE_CACHE'] = saved;
    }
  });
});
