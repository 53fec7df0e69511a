/**
 * A conversation kept in a JSON file between runs, written atomically.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Conversation, YqcloudError } from '../index.js';

/** A system error without the paths Node appends (`…, open '/dir/x.json.1234'`). */
const reasonOf = (e: unknown): string => {
  if (!(e instanceof Error)) return String(e);
  return typeof (e as NodeJS.ErrnoException).code === 'string' ? (e.message.split(',')[0] ?? e.message) : e.message;
};

const cannot = (file: string, what: string, e: unknown): YqcloudError =>
  new YqcloudError('InvalidRequest', `--conversation ${file}: ${what} (${reasonOf(e)})`, { path: 'conversation' });

/**
 * The conversation in `file`, `undefined` when the file does not exist; a file that is not a
 * conversation is an `InvalidRequest` error.
 */
export const loadConversation = async (file: string): Promise<Conversation | undefined> => {
  if (!existsSync(file)) return undefined;
  let content: string;
  try {
    content = await readFile(file, 'utf8');
  } catch (e: unknown) {
    throw cannot(file, 'cannot be read', e);
  }
  let json: unknown;
  try {
    json = JSON.parse(content);
  } catch (e: unknown) {
    throw cannot(file, 'not JSON', e);
  }
  const decoded = Conversation.fromJson(json);
  if (decoded._tag === 'Left')
    throw new YqcloudError('InvalidRequest', `--conversation ${file}: ${decoded.left.message}`, {
      path: 'conversation',
    });
  return decoded.right;
};

/**
 * Fails with `InvalidRequest` when `file` could not be saved: its directory is missing or not a
 * directory, or the file itself is a directory. Checked before anything is sent.
 */
export const checkSavable = async (file: string): Promise<void> => {
  try {
    if (!(await stat(dirname(file))).isDirectory()) throw new Error(`${dirname(file)} is not a directory`);
  } catch (e: unknown) {
    throw cannot(file, 'cannot be saved', e);
  }
  if (existsSync(file) && (await stat(file)).isDirectory())
    throw cannot(file, 'cannot be saved', new Error('it is a directory'));
};

/**
 * Writes the conversation to `file` atomically (write-file-atomic: a temporary file beside it,
 * fsync, then a rename), so a crash never leaves a half-written file. A failure is an
 * `InvalidRequest` error naming the file.
 */
export const saveConversation = async (file: string, conversation: Conversation): Promise<void> => {
  try {
    // Imported on the first save: a chat without --conversation loads nothing of it.
    const { default: writeFileAtomic } = await import('write-file-atomic');
    await writeFileAtomic(file, `${JSON.stringify(Conversation.toJson(conversation), null, 2)}\n`, { fsync: true });
  } catch (e: unknown) {
    throw cannot(file, 'cannot be saved', e);
  }
};
