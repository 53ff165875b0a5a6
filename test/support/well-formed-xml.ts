/**
 * A small well-formedness check for the XML the report inlines (its SVG charts): every tag closed
 * in order, attributes quoted and not repeated, text and attribute values free of a bare `<` or
 * `&`. Not a validating parser: enough to catch what a renderer gets wrong (an unescaped label, a
 * tag left open), which a browser would otherwise repair without a word.
 */
const NAME = '[A-Za-z_:][-A-Za-z0-9_:.]*';
const ENTITY = /&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g;
const TAG = new RegExp(`<(/?)(${NAME})((?:\\s+${NAME}\\s*=\\s*(?:"[^"]*"|'[^']*'))*)\\s*(/?)>`, 'y');
const ATTRIBUTE = new RegExp(`(${NAME})\\s*=\\s*(?:"([^"]*)"|'([^']*)')`, 'g');

function checkText(text: string, where: string): void {
  const bare = text.replace(ENTITY, '');
  if (bare.includes('&')) throw new Error(`unescaped & ${where}: ${JSON.stringify(text.slice(0, 80))}`);
  if (bare.includes('<')) throw new Error(`unescaped < ${where}: ${JSON.stringify(text.slice(0, 80))}`);
}

/** Throws naming the first problem; returns the names of the elements seen, in document order. */
export function assertWellFormedXml(xml: string): string[] {
  const open: string[] = [];
  const seen: string[] = [];
  let at = 0;
  while (at < xml.length) {
    const next = xml.indexOf('<', at);
    const text = xml.slice(at, next === -1 ? undefined : next);
    checkText(text, `in text at ${at}`);
    if (next === -1) break;
    TAG.lastIndex = next;
    const match = TAG.exec(xml);
    if (match === null) throw new Error(`malformed tag at ${next}: ${JSON.stringify(xml.slice(next, next + 80))}`);
    const [whole, closing = '', name = '', attributes = '', selfClosing = ''] = match;
    if (closing) {
      const expected = open.pop();
      if (expected !== name) throw new Error(`</${name}> at ${next} closes <${expected ?? 'nothing'}>`);
    } else {
      const names = new Set<string>();
      for (const [, attribute = '', double, single] of attributes.matchAll(ATTRIBUTE)) {
        if (names.has(attribute)) throw new Error(`attribute ${attribute} repeated on <${name}> at ${next}`);
        names.add(attribute);
        checkText(double ?? single ?? '', `in ${attribute} of <${name}> at ${next}`);
      }
      seen.push(name);
      if (!selfClosing) open.push(name);
    }
    at = next + whole.length;
  }
  if (open.length > 0) throw new Error(`never closed: <${open.join('>, <')}>`);
  return seen;
}
