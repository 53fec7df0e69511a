/**
 * Text made safe for a terminal: a server's bytes must not drive it (OSC 52 sets the clipboard,
 * CSI sequences clear the screen, OSC 0 retitles the window).
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
 *
 * @example
 * ```ts
 * stripControls('Hi\x1b]52;c;cHduZWQ=\x07 there\n'); // 'Hi there\n'
 * ```
 */
export const stripControls = (text: string): string => text.replace(escapeSequences, '').replace(controlCharacters, '');

/** The userinfo of any URL in a text (to its last `@` before a space), as `***`. */
const urlUserinfo = /([a-z][a-z0-9+.-]*:\/\/)\S*@/gi;

/**
 * A line for stderr: URL credentials redacted (the library's messages already are; this also
 * covers a line that did not come from it), control characters stripped.
 *
 * @example
 * ```ts
 * terminalLine('HTTP 500: \x1b[2Jboom'); // 'HTTP 500: boom'
 * ```
 */
export const terminalLine = (text: string): string => stripControls(text).replace(urlUserinfo, '$1***@');
