// Python semantics of plain JSON values, for the places where Python's behaviour depends on them.

export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** Python truthiness of a JSON value: empty strings, lists and dicts, 0, false and null are false. */
export function isPyTruthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0
  if (isPlainObject(value)) return Object.keys(value).length > 0
  return Boolean(value)
}

/** Python's repr() of a str: the quote it picks, its escapes, printable characters kept. */
export function pyRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'"
  let body = ''
  for (const char of text) {
    const code = char.codePointAt(0) as number
    if (char === quote || char === '\\') body += `\\${char}`
    else if (char === '\t') body += '\\t'
    else if (char === '\n') body += '\\n'
    else if (char === '\r') body += '\\r'
    else if (code >= 0x20 && code < 0x7f) body += char
    else if (code > 0x7f && !/[\p{C}\p{Z}]/u.test(char)) body += char
    else if (code <= 0xff) body += `\\x${code.toString(16).padStart(2, '0')}`
    else if (code <= 0xffff) body += `\\u${code.toString(16).padStart(4, '0')}`
    else body += `\\U${code.toString(16).padStart(8, '0')}`
  }
  return quote + body + quote
}
