import { createHash } from 'node:crypto';

/** Lowercase hex SHA-256 of a text's UTF-8 bytes, as `sha256sum` prints it. */
export function sha256(content: string): string {
  return createHash('sha256').update(content, 'utf8').digest('hex');
}
