/**
 * Text made safe for a terminal: a server's bytes must not drive it (OSC 52 sets the clipboard,
 * CSI sequences clear the screen, OSC 0 retitles the window).
 *
 * @module
 */

import { stripControls } from '../internal.js';

export { stripControls };

/** The userinfo of any URL in a text (to its last `@` before a space), as `***`. */
const urlUserinfo = /([a-z][a-z0-9+.-]*:\/\/)\S*@/gi;

/**
 * A line for stderr: URL credentials redacted (the library's messages already are; this also
 * covers a line that did not come from it), control characters stripped.
 */
export const terminalLine = (text: string): string => stripControls(text).replace(urlUserinfo, '$1***@');
