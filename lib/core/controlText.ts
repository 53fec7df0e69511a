/**
 * Text made safe to show: a server's bytes must not drive a terminal (OSC 52 sets the
 * clipboard, CSI sequences clear the screen, OSC 0 retitles the window) nor break a log line.
 * Pure functions.
 *
 * @module
 */

// Whole escape sequences first (OSC … BEL/ST, DCS/SOS/PM/APC … ST, CSI … final byte), so their
// printable middle does not remain as noise, then every C0 (but \n and \t), DEL and C1 left.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const escapeSequences = /\x1b[\]PX^_][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?|[\x1b\x9b]\[?[0-?]*[ -/]*[@-~]?/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const controlCharacters = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

/**
 * `text` without C0 control characters (except `\n` and `\t`), DEL or C1 control characters,
 * and without the escape sequences they start.
 */
export const stripControls = (text: string): string => text.replace(escapeSequences, '').replace(controlCharacters, '');

/**
 * `text` as one printable line: {@link stripControls}, then line breaks and tabs as spaces.
 */
export const oneLine = (text: string): string => stripControls(text).replace(/[\n\t]/g, ' ');
