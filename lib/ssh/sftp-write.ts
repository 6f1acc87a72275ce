import { posix } from 'node:path';
import type { SFTPWrapper } from 'ssh2';
import { SshError, toSshError } from './errors.js';

export interface RemoteFile {
  path: string;
  content: string;
}

interface SftpStatusError extends Error {
  /** The SFTP status code (4 = FAILURE, which is what OpenSSH answers for ENOSPC). */
  code?: number | string;
}

function sftpCall<T>(start: (callback: (error: Error | undefined | null, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    start((error, value) => (error ? reject(error) : resolve(value)));
  });
}

async function writeOne(sftp: SFTPWrapper, file: RemoteFile): Promise<void> {
  // 'wx': O_CREAT|O_EXCL, so the file is new and the mode applies; an existing path fails.
  const handle = await sftpCall<Buffer>((cb) => sftp.open(file.path, 'wx', { mode: 0o600 }, cb));
  try {
    const data = Buffer.from(file.content, 'utf8');
    if (data.length > 0) {
      await sftpCall<void>((cb) => sftp.write(handle, data, 0, data.length, 0, (error) => cb(error, undefined)));
    }
    await sftpCall<void>((cb) => sftp.ext_openssh_fsync(handle, (error) => cb(error, undefined)));
  } finally {
    await sftpCall<void>((cb) => sftp.close(handle, (error) => cb(error, undefined))).catch(() => undefined);
  }
}

/** OpenSSH reports ENOSPC as a bare "Failure": ask the file system whether it is full. */
async function isFileSystemFull(sftp: SFTPWrapper, file: RemoteFile): Promise<boolean> {
  try {
    const stats = await sftpCall<Record<string, number | bigint>>((cb) =>
      sftp.ext_openssh_statvfs(posix.dirname(file.path), cb));
    const freeBytes = Number(stats.f_bfree) * Number(stats.f_frsize);
    return freeBytes < Buffer.byteLength(file.content) || Number(stats.f_ffree) === 0;
  } catch {
    return false;
  }
}

async function describeFailure(sftp: SFTPWrapper, file: RemoteFile, error: unknown, host: string): Promise<SshError> {
  if (error instanceof SshError) return error;
  const code = (error as SftpStatusError).code;
  if (typeof code !== 'number') return toSshError(error, host, host);
  if (await isFileSystemFull(sftp, file)) {
    return new SshError('disk-full', host, `no space left on ${host} to write ${file.path}`,
      `free space in ${posix.dirname(file.path)} on the host; nothing was replaced, the old files are intact`);
  }
  return new SshError('sftp-failed', host, `cannot write ${file.path} on ${host}: ${(error as Error).message}`,
    'check that the login user may write there (or use become)');
}

/** Creates every file exactly at its path over one SFTP session. */
export async function writeFilesOverSftp(sftp: SFTPWrapper, files: readonly RemoteFile[], host: string): Promise<void> {
  const outcomes = await Promise.all(files.map((file) => writeOne(sftp, file).then(() => null, (reason: unknown) => ({ file, reason }))));
  const failure = outcomes.find((outcome) => outcome !== null);
  if (failure) throw await describeFailure(sftp, failure.file, failure.reason, host);
}
