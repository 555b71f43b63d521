/**
 * Turn an RFC 4475 message as printed (§2 "Document Conventions") into its
 * octets:
 *   §2.1 <allOneLine>...</allOneLine>: the lines between the tags are
 *        concatenated with nothing between them;
 *   §2.2 <hex>...</hex>: octets as hex pairs (whitespace and line breaks
 *        inside the element are not part of the message);
 *   §2.3 <repeat count=N>...</repeat>: the content N times.
 * Every other line break is a CRLF. The vector files hold each message as
 * printed in the RFC without its 6-space indentation, every line ended by a
 * line feed.
 */

export function decodeRfc4475Markup(text: string): Uint8Array {
  // §2.1
  const lines = text.replace(/\r\n/g, "\n").split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  const joined: string[] = [];
  let inOne: string[] | undefined;
  for (const line of lines) {
    if (line === "<allOneLine>") {
      inOne = [];
    } else if (line === "</allOneLine>") {
      if (inOne === undefined) throw new Error("</allOneLine> without <allOneLine>");
      joined.push(inOne.join(""));
      inOne = undefined;
    } else if (inOne !== undefined) {
      inOne.push(line);
    } else {
      joined.push(line);
    }
  }
  if (inOne !== undefined) throw new Error("<allOneLine> not closed");
  // Every printed line ends with a line break.
  let flat = `${joined.join("\n")}\n`;
  // §2.3 (repeats contain no line breaks in RFC 4475)
  flat = flat.replace(/<repeat count=([0-9]+)>([^<]*(?:<hex>[0-9A-Fa-f\s]*<\/hex>[^<]*)*)<\/repeat>/g, (_m, n: string, body: string) => body.repeat(Number(n)));
  // §2.2, and line breaks to CRLF outside <hex>
  const out: number[] = [];
  const hexRe = /<hex>([0-9A-Fa-f\s]*)<\/hex>/g;
  let last = 0;
  const literal = (s: string): void => {
    for (const ch of s.replace(/\n/g, "\r\n")) {
      const c = ch.charCodeAt(0);
      if (c > 0x7f) throw new Error(`non-ASCII character outside <hex> in a vector: ${ch}`);
      out.push(c);
    }
  };
  for (let m = hexRe.exec(flat); m !== null; m = hexRe.exec(flat)) {
    literal(flat.slice(last, m.index));
    const hex = (m[1] as string).replace(/\s+/g, "");
    if (hex.length % 2 !== 0) throw new Error(`odd number of hex digits in <hex>${hex}</hex>`);
    for (let i = 0; i < hex.length; i += 2) out.push(parseInt(hex.slice(i, i + 2), 16));
    last = m.index + m[0].length;
  }
  literal(flat.slice(last));
  return Uint8Array.from(out);
}
