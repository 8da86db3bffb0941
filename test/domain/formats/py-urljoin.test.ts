import { describe, expect, it } from 'vitest'
import { pyUrlJoin } from '../../../src/domain/formats/py-urljoin.js'

// Vectors printed by CPython 3.11.7's urllib.parse.urljoin (the reference runs 3.12, whose urljoin
// is the same on these inputs): endpoints §18 builds the metadata URL and the icon URLs with it.
const PYTHON_VECTORS: [base: string, url: string, joined: string][] = [
  ['http://localhost:80', 'stampMetadata.json', 'http://localhost:80/stampMetadata.json'],
  ['https://passport.gitcoin.co/', 'stampMetadata.json', 'https://passport.gitcoin.co/stampMetadata.json'],
  [
    'https://passport.gitcoin.co/',
    './assets/googleStampIcon.svg',
    'https://passport.gitcoin.co/assets/googleStampIcon.svg',
  ],
  ['https://passport.gitcoin.co/app/', '../assets/x.svg', 'https://passport.gitcoin.co/assets/x.svg'],
  [
    'https://passport.gitcoin.co/app/index.html',
    'assets/x.svg?v=1#f',
    'https://passport.gitcoin.co/app/assets/x.svg?v=1#f',
  ],
  ['https://Passport.XYZ:443/', '/abs/icon.svg', 'https://Passport.XYZ:443/abs/icon.svg'],
  ['https://passport.xyz/a/b', '//cdn.example.com/i.svg', 'https://cdn.example.com/i.svg'],
  ['https://passport.xyz/a/b', 'https://other.example/i.svg', 'https://other.example/i.svg'],
  ['https://passport.xyz/a/b?q=1', '?x=2', 'https://passport.xyz/a/b?x=2'],
  ['https://passport.xyz/a/b', '', 'https://passport.xyz/a/b'],
  ['', 'x.svg', 'x.svg'],
  ['https://passport.xyz/a/b', 'data:image/png;base64,AAA', 'data:image/png;base64,AAA'],
  ['https://passport.xyz/a/b/', '../../../x', 'https://passport.xyz/x'],
  ['https://passport.xyz/a/b/', '.', 'https://passport.xyz/a/b/'],
  ['https://passport.xyz/a/b/', '..', 'https://passport.xyz/a/'],
  ['https://passport.xyz/a//b/', 'c//d/./e', 'https://passport.xyz/a/b/c/d/e'],
  ['https://passport.xyz', 'x;p=1', 'https://passport.xyz/x;p=1'],
  ['https://passport.xyz/p;q/r', 's', 'https://passport.xyz/p;q/s'],
  ['http://h/a', '  \tx\ny', 'http://h/xy'],
  ['http://h/a', '#frag', 'http://h/a#frag'],
]

describe('pyUrlJoin (endpoints §18)', () => {
  it.each(PYTHON_VECTORS)('urljoin(%j, %j) = %j', (base, url, joined) => {
    expect(pyUrlJoin(base, url)).toBe(joined)
  })
})
