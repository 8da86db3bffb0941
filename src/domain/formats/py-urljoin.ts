// Python's urllib.parse.urljoin (3.12), which builds the stamp metadata URL and the platform icon
// URLs (endpoints §18). WHATWG `new URL()` differs on exactly the inputs a deployment can hold: it
// drops a default port (`http://localhost:80`), lower-cases hosts and percent-encodes, Python
// keeps the text as written.

const USES_RELATIVE = new Set(
  '|ftp|http|gopher|nntp|imap|wais|file|https|shttp|mms|prospero|rtsp|rtsps|rtspu|sftp|svn|svn+ssh|ws|wss'.split('|'),
)
const USES_NETLOC = new Set(
  '|ftp|http|gopher|nntp|telnet|imap|wais|file|mms|https|shttp|snews|prospero|rtsp|rtsps|rtspu|rsync|svn|svn+ssh|sftp|nfs|git|git+ssh|ws|wss|itms-services'.split(
    '|',
  ),
)
const USES_PARAMS = new Set('|ftp|hdl|prospero|http|imap|https|shttp|rtsp|rtsps|rtspu|sip|sips|mms|sftp|tel'.split('|'))
const SCHEME_CHARS = /^[A-Za-z0-9+\-.]+$/
// urlsplit strips leading C0 controls and spaces, and removes tabs and newlines anywhere.
// eslint-disable-next-line no-control-regex -- the C0 controls are what Python strips
const LEADING_C0_OR_SPACE = /^[\u0000-\u0020]+/
const UNSAFE_BYTES = /[\t\r\n]/g

interface ParsedUrl {
  scheme: string
  netloc: string
  path: string
  params: string
  query: string
  fragment: string
}

function splitParams(path: string): [string, string] {
  const semicolon = path.includes('/') ? path.indexOf(';', path.lastIndexOf('/')) : path.indexOf(';')
  return semicolon < 0 ? [path, ''] : [path.slice(0, semicolon), path.slice(semicolon + 1)]
}

function urlparse(text: string, defaultScheme: string): ParsedUrl {
  let rest = text.replace(LEADING_C0_OR_SPACE, '').replace(UNSAFE_BYTES, '')
  let scheme = defaultScheme.replace(UNSAFE_BYTES, '')
  let netloc = ''
  let query = ''
  let fragment = ''
  const colon = rest.indexOf(':')
  if (colon > 0 && /^[A-Za-z]/.test(rest) && SCHEME_CHARS.test(rest.slice(0, colon))) {
    scheme = rest.slice(0, colon).toLowerCase()
    rest = rest.slice(colon + 1)
  }
  if (rest.startsWith('//')) {
    const ends = ['/', '?', '#'].map((delimiter) => rest.indexOf(delimiter, 2)).filter((index) => index >= 0)
    const end = ends.length > 0 ? Math.min(...ends) : rest.length
    netloc = rest.slice(2, end)
    rest = rest.slice(end)
  }
  const hash = rest.indexOf('#')
  if (hash >= 0) [rest, fragment] = [rest.slice(0, hash), rest.slice(hash + 1)]
  const question = rest.indexOf('?')
  if (question >= 0) [rest, query] = [rest.slice(0, question), rest.slice(question + 1)]
  let params = ''
  if (USES_PARAMS.has(scheme) && rest.includes(';')) [rest, params] = splitParams(rest)
  return { scheme, netloc, path: rest, params, query, fragment }
}

function urlunparse({ scheme, netloc, path, params, query, fragment }: ParsedUrl): string {
  let url = params ? `${path};${params}` : path
  if (netloc || (scheme && USES_NETLOC.has(scheme) && !url.startsWith('//'))) {
    if (url && !url.startsWith('/')) url = `/${url}`
    url = `//${netloc}${url}`
  }
  if (scheme) url = `${scheme}:${url}`
  if (query) url = `${url}?${query}`
  if (fragment) url = `${url}#${fragment}`
  return url
}

/** urljoin(base, url) with Python's rules, dot segments and all. */
export function pyUrlJoin(base: string, url: string): string {
  if (!base) return url
  if (!url) return base
  const b = urlparse(base, '')
  const u = urlparse(url, b.scheme)
  if (u.scheme !== b.scheme || !USES_RELATIVE.has(u.scheme)) return url
  if (USES_NETLOC.has(u.scheme)) {
    if (u.netloc) return urlunparse(u)
    u.netloc = b.netloc
  }
  if (!u.path && !u.params) {
    return urlunparse({ ...u, path: b.path, params: b.params, query: u.query || b.query })
  }
  const baseParts = b.path.split('/')
  if (baseParts.at(-1) !== '') baseParts.pop()
  let segments: string[]
  if (u.path.startsWith('/')) {
    segments = u.path.split('/')
  } else {
    // baseParts and the path each hold at least one part, so there are first and last segments.
    segments = [...baseParts, ...u.path.split('/')]
    // Empty inner segments would double the slashes when joined again.
    segments = [segments[0]!, ...segments.slice(1, -1).filter((segment) => segment !== ''), ...segments.slice(-1)]
  }
  const resolved: string[] = []
  for (const segment of segments) {
    if (segment === '..') resolved.pop()
    else if (segment !== '.') resolved.push(segment)
  }
  if (segments.at(-1) === '.' || segments.at(-1) === '..') resolved.push('')
  return urlunparse({ ...u, path: resolved.join('/') || '/' })
}
