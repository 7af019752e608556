const STANDARD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Standard base64 (RFC 4648 section 4, padded), or null. Buffer.from(text, 'base64') alone
 * would skip stray characters and accept input that the client never produced.
 */
export function decodeStrictBase64(text: string): Buffer | null {
  return STANDARD_BASE64.test(text) ? Buffer.from(text, 'base64') : null;
}
