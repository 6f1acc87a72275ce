import { spawn } from 'node:child_process';
import { createDecipheriv, createHmac, pbkdf2Sync, timingSafeEqual } from 'node:crypto';
import { constants } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import type { Placeable } from './yaml-source.js';
import { OctoiError, type SourcePosition } from '../diagnostics.js';

/**
 * Ansible Vault (`ansible/parsing/vault/__init__.py`), format 1.1 and 1.2, cipher AES256: written
 * here rather than taken from a package because it must match ansible-vault byte for byte, and
 * node:crypto has every primitive it needs.
 */
const VAULT_HEADER = '$ANSIBLE_VAULT';
const DEFAULT_LABEL = 'default';
const PASSWORD_HINT =
  'pass the password with --vault-password-file FILE or --vault-id [LABEL@]FILE (or vault_password_file in ansible.cfg)';

/** A vault problem; messages never hold a decrypted value or a password. */
export class VaultError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

interface VaultSecret {
  /** The vault id: `default` unless `--vault-id LABEL@FILE` named one. */
  label: string;
  password: Buffer;
}

/** Where vault passwords come from, as given on the command line or in ansible.cfg. */
export interface VaultPasswordOptions {
  /**
   * `--vault-password-file FILE`: a file, or a script to run. ansible.cfg's `vault_password_file`
   * belongs here too, after the command line's, as Ansible adds it.
   */
  passwordFiles?: readonly string[];
  /** `--vault-id [LABEL@]FILE`. */
  vaultIds?: readonly string[];
}

export function isVaulted(text: string): boolean {
  return text.startsWith(VAULT_HEADER);
}

/** The passwords a run may use; decryption tries the secret whose label the vault names first. */
export class VaultKeyring {
  private readonly derivedKeys = new Map<string, Buffer>();

  constructor(readonly secrets: readonly VaultSecret[] = []) {}

  /** The plaintext of a vault envelope; `what` says in errors what was being decrypted. */
  decrypt(envelope: string, what: string): Buffer {
    const vault = parseEnvelope(envelope, what);
    if (this.secrets.length === 0) throw new VaultError(`${what} is encrypted with Ansible Vault and no vault password was given`, PASSWORD_HINT);
    const ordered = [...this.secrets].sort((a, b) => Number(b.label === vault.label) - Number(a.label === vault.label));
    for (const secret of ordered) {
      const plaintext = this.tryDecrypt(vault, secret.password);
      if (plaintext) return plaintext;
    }
    const labels = this.secrets.map((secret) => secret.label).join(', ');
    throw new VaultError(
      `cannot decrypt ${what}: HMAC verification failed with every vault password given (vault ids: ${labels})`,
      `the vault was made with another password${vault.label !== DEFAULT_LABEL ? ` (its vault id is ${vault.label})` : ''}; check --vault-password-file / --vault-id`,
    );
  }

  /** PBKDF2-HMAC-SHA256, 10000 rounds, 80 bytes: AES key, HMAC key, CTR counter. Null when the HMAC does not match. */
  private tryDecrypt(vault: Envelope, password: Buffer): Buffer | null {
    const cacheKey = `${password.toString('hex')}:${vault.salt.toString('hex')}`;
    let derived = this.derivedKeys.get(cacheKey);
    if (!derived) {
      derived = pbkdf2Sync(password, vault.salt, 10000, 80, 'sha256');
      this.derivedKeys.set(cacheKey, derived);
    }
    const [aesKey, hmacKey, counter] = [derived.subarray(0, 32), derived.subarray(32, 64), derived.subarray(64, 80)];
    const expected = createHmac('sha256', hmacKey).update(vault.ciphertext).digest();
    if (expected.length !== vault.hmac.length || !timingSafeEqual(expected, vault.hmac)) return null;
    const decipher = createDecipheriv('aes-256-ctr', aesKey, counter);
    return removePadding(Buffer.concat([decipher.update(vault.ciphertext), decipher.final()]));
  }
}

interface Envelope {
  label: string;
  salt: Buffer;
  hmac: Buffer;
  ciphertext: Buffer;
}

/** `$ANSIBLE_VAULT;1.1;AES256` or `…;1.2;AES256;LABEL`, then hex of "hex(salt)\nhex(hmac)\nhex(ciphertext)". */
function parseEnvelope(envelope: string, what: string): Envelope {
  const malformed = (reason: string): VaultError => new VaultError(`${what} is not a readable Ansible Vault: ${reason}`, 're-create it with ansible-vault encrypt or encrypt_string');
  const [headerLine = '', ...body] = envelope.trim().split(/\r\n|\r|\n/);
  const header = headerLine.trim().split(';').map((field) => field.trim());
  if (header[0] !== VAULT_HEADER || header.length < 3) throw malformed(`the first line must be ${VAULT_HEADER};1.1;AES256`);
  if (header[1] !== '1.1' && header[1] !== '1.2') throw malformed(`format ${header[1]} is not 1.1 or 1.2`);
  if (header[2] !== 'AES256') throw malformed(`cipher ${header[2]} is not AES256, the only one Ansible writes`);
  const inner = unhex(body.map((line) => line.trim()).join(''));
  const fields = inner?.toString('latin1').split('\n');
  const [salt, hmac, ciphertext] = (fields?.length === 3 ? fields : []).map(unhex);
  if (!salt || !hmac || !ciphertext) throw malformed('its body is not salt, HMAC and ciphertext in hexadecimal');
  return { label: header[3] || DEFAULT_LABEL, salt, hmac, ciphertext };
}

function unhex(text: string): Buffer | null {
  return text.length % 2 === 0 && /^[0-9a-fA-F]*$/.test(text) ? Buffer.from(text, 'hex') : null;
}

/** PKCS#7 with 16-byte blocks, as ansible-vault pads before encrypting. */
function removePadding(padded: Buffer): Buffer {
  const size = padded.at(-1) ?? 0;
  if (size < 1 || size > 16 || size > padded.length || !padded.subarray(-size).every((byte) => byte === size)) {
    throw new VaultError('the decrypted vault has broken padding', 're-create it with ansible-vault');
  }
  return padded.subarray(0, -size);
}

/**
 * A `!vault` value, kept encrypted until a play uses it (as Ansible's AnsibleVaultEncryptedUnicode):
 * an inventory whose unused secrets cannot be opened still loads.
 */
export class VaultedValue implements Placeable {
  private plaintext: string | undefined;
  origin: SourcePosition = { file: 'a vault value', line: 1, column: 1 };

  constructor(
    readonly envelope: string,
    private readonly keyring: VaultKeyring,
  ) {}

  placeAt(position: SourcePosition): void {
    this.origin = position;
  }

  /** The decrypted text; throws a VaultError naming `variable` and where the value was written. */
  reveal(variable: string): string {
    if (this.plaintext === undefined) {
      const where = `${this.origin.file}:${this.origin.line}:${this.origin.column}`;
      this.plaintext = this.keyring.decrypt(this.envelope, `the variable ${variable} (!vault value at ${where})`).toString('utf8');
    }
    return this.plaintext;
  }
}

/** A variable's value ready for use: a vaulted one decrypted, any other as it is. */
export function revealed(variable: string, value: unknown): unknown {
  return value instanceof VaultedValue ? value.reveal(variable) : value;
}

/**
 * Reads every password source; a script runs once, with the terminal for its prompts, as in Ansible.
 * Throws OctoiError('invalid-input') when a source cannot give a password.
 */
export async function loadVaultKeyring(options: VaultPasswordOptions = {}): Promise<VaultKeyring> {
  try {
    return await readKeyring(options);
  } catch (error) {
    if (!(error instanceof VaultError)) throw error;
    throw OctoiError.single('invalid-input', { message: error.message, hint: error.hint });
  }
}

async function readKeyring(options: VaultPasswordOptions): Promise<VaultKeyring> {
  const sources = [
    ...(options.passwordFiles ?? []).map((file) => ({ label: DEFAULT_LABEL, file })),
    ...(options.vaultIds ?? []).map(parseVaultId),
  ];
  const secrets: VaultSecret[] = [];
  for (const { label, file } of sources) secrets.push({ label, password: await readPassword(file, label) });
  return new VaultKeyring(secrets);
}

/** `LABEL@SOURCE` or `SOURCE`, split at the first `@` as Ansible splits it. */
function parseVaultId(vaultId: string): { label: string; file: string } {
  const at = vaultId.indexOf('@');
  const [label, file] = at < 0 ? [DEFAULT_LABEL, vaultId] : [vaultId.slice(0, at), vaultId.slice(at + 1)];
  if (file === 'prompt' || file === 'prompt_ask_vault_pass') {
    throw new VaultError(`--vault-id ${vaultId}: octoi does not prompt for vault passwords`, 'give a password file, or a script that prints the password: --vault-id LABEL@FILE');
  }
  if (!file) throw new VaultError(`--vault-id ${vaultId} names no password file`, 'write --vault-id LABEL@FILE or --vault-id FILE');
  return { label, file };
}

async function readPassword(file: string, label: string): Promise<Buffer> {
  const info = await stat(file).catch(() => null);
  if (!info) throw new VaultError(`the vault password file ${file} was not found`, 'give an existing file (or a script that prints the password)');
  const executable = info.isFile() && (await access(file, constants.X_OK).then(() => true, () => false));
  const password = executable
    ? trimLineBreaks(await runPasswordScript(file, isClientScript(file) ? ['--vault-id', label] : []))
    : trimLineBreaks(trimWhitespace(await readFile(file).catch((error: NodeJS.ErrnoException) => {
        throw new VaultError(`cannot read the vault password file ${file}: ${error.code ?? error.message}`, 'check its permissions');
      })));
  if (password.length === 0) throw new VaultError(`the vault password ${executable ? 'script' : 'file'} ${file} gave an empty password`, 'put the password in the file (or print it from the script)');
  return password;
}

/** Ansible passes `--vault-id LABEL` to scripts named `*-client` or `*-client.EXT`. */
function isClientScript(file: string): boolean {
  return basename(file, extname(file)).endsWith('-client');
}

function runPasswordScript(file: string, args: string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['inherit', 'pipe', 'inherit'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.on('error', (error) => reject(new VaultError(`cannot run the vault password script ${file}: ${error.message}`, 'if it is not a script, remove its executable bit')));
    child.on('close', (code, signal) => {
      if (code === 0) resolve(Buffer.concat(chunks));
      else reject(new VaultError(`the vault password script ${file} failed (${signal ?? `exit code ${code}`})`, 'run it by hand: it must print the password and exit 0'));
    });
  });
}

/** Python's `bytes.strip()`: ASCII whitespace at both ends. */
function trimWhitespace(data: Buffer): Buffer {
  return trimBytes(data, [0x20, 0x09, 0x0a, 0x0b, 0x0c, 0x0d]);
}

/** Python's `bytes.strip(b'\r\n')`. */
function trimLineBreaks(data: Buffer): Buffer {
  return trimBytes(data, [0x0a, 0x0d]);
}

function trimBytes(data: Buffer, bytes: readonly number[]): Buffer {
  let start = 0;
  let end = data.length;
  while (start < end && bytes.includes(data[start] as number)) start += 1;
  while (end > start && bytes.includes(data[end - 1] as number)) end -= 1;
  return data.subarray(start, end);
}
