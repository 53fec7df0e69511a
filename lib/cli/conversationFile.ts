/**
 * A conversation kept in a JSON file between runs, written atomically.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { Conversation, YqcloudError } from '../index.js';

/**
 * The conversation in `file`, `undefined` when the file does not exist; a file that is not a
 * conversation is an `InvalidRequest` error.
 *
 * @example
 * ```ts
 * const conversation = await loadConversation('chat.json');
 * ```
 */
export const loadConversation = async (file: string): Promise<Conversation | undefined> => {
  if (!existsSync(file)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (e: unknown) {
    throw new YqcloudError(
      'InvalidRequest',
      `--conversation ${file}: not JSON (${e instanceof Error ? e.message : String(e)})`,
      {
        path: 'conversation',
      },
    );
  }
  const decoded = Conversation.fromJson(json);
  if (decoded._tag === 'Left')
    throw new YqcloudError('InvalidRequest', `--conversation ${file}: ${decoded.left.message}`, {
      path: 'conversation',
    });
  return decoded.right;
};

/**
 * Writes the conversation to `file` atomically: a temporary file beside it, then a rename, so a
 * crash never leaves a half-written file.
 *
 * @example
 * ```ts
 * await saveConversation('chat.json', conversation);
 * ```
 */
export const saveConversation = async (file: string, conversation: Conversation): Promise<void> => {
  const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    await writeFile(temporary, `${JSON.stringify(Conversation.toJson(conversation), null, 2)}\n`, 'utf8');
    await rename(temporary, file);
  } catch (e: unknown) {
    await rm(temporary, { force: true });
    throw e;
  }
};
