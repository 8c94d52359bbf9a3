// Member names: how they are decoded (UTF-8 when the entry's flag bit 11 says so, else the
// original IBM PC code page 437) and which are accepted. A name is a relative path with `/`
// separators; zips made on Windows may use `\`, which is read as `/`. Absolute paths, drive
// letters, `.` and `..` components and empty components are refused: extracting such a member
// could write outside the target directory ("zip slip").

import { ZipFormatError } from './errors.js';

/** Code page 437's characters 0x80-0xFF (0x00-0x7F are ASCII). */
const CP437_HIGH = 'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■ ';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes a stored member name. */
export function decodeName(bytes: Uint8Array, isUtf8: boolean, at: number): string {
  if (isUtf8) {
    try {
      return utf8.decode(bytes);
    } catch {
      throw new ZipFormatError(`zip: the member name at byte ${at} is flagged UTF-8 but is not valid UTF-8`, at);
    }
  }
  let s = '';
  for (const b of bytes) s += b < 0x80 ? String.fromCharCode(b) : CP437_HIGH[b - 0x80];
  return s;
}

/**
 * Normalizes a member name (backslashes to `/`) and refuses unsafe ones.
 *
 * @param name The name as stored.
 * @param at The byte offset of its entry, for errors (`undefined` when writing).
 * @returns The name with `/` separators.
 */
export function checkMemberName(name: string, at: number | undefined): string {
  const where = at === undefined ? '' : ` at byte ${at}`;
  const path = name.replace(/\\/g, '/');
  const refuse = (why: string): never => {
    throw new ZipFormatError(`zip: member name ${JSON.stringify(name)}${where} ${why}`, at);
  };
  if (path === '') refuse('is empty');
  if (path.includes('\0')) refuse('contains a NUL character');
  if (path.startsWith('/')) refuse('is an absolute path');
  if (/^[A-Za-z]:/.test(path)) refuse('starts with a drive letter');
  const parts = path.split('/');
  if (parts[parts.length - 1] === '') parts.pop(); // a directory entry ends with "/"
  for (const part of parts) {
    if (part === '..') refuse('has a ".." component (it would leave the extraction directory)');
    if (part === '.' || part === '') refuse('has an empty or "." component');
  }
  return path;
}
