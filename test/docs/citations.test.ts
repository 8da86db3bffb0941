import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

// Every `§` and `Dn` the code cites must resolve inside the repository (style §5): a maintainer who
// clones it has docs/ and nothing else. docs/README.md states the rules this test applies.

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const SCANNED_FOLDERS = ['src', 'test', 'bench']
// Installed packages and generated reports are not ours to cite from.
const SKIPPED_FOLDERS = new Set(['node_modules', 'results', '.data'])

const DOC_OF_FAMILY: Record<string, string> = {
  scoring: 'docs/scoring.md',
  endpoints: 'docs/endpoints.md',
  schema: 'docs/schema.md',
  style: 'docs/style.md',
  decisions: 'docs/decisions.md',
}

interface Citation {
  doc: string
  /** Normalised key: what a heading or an anchor of `doc` must define. */
  key: string
  /** As written in the code, for the failure message. */
  text: string
}

/** "§13.5" → "13.5", "Endpoint 7" → "endpoint-7", "Appendix D.7" → "appendix-d.7", "D17" → "d17". */
function normaliseKey(text: string): string {
  return text.replace(/^§/, '').replace(/\.+$/, '').trim().toLowerCase().replace(/\s+/g, '-')
}

// A family name (optionally "schema.md"), one section, then more sections joined by a range dash,
// a comma, a slash or "and" ("schema.md §3–§13", "scoring §13.21, §13.23").
const SECTION_CITATION =
  /\b(scoring|endpoints|schema|style)(?:\.md)? (§[0-9A-Z.]+(?:(?:\s*[–—-]\s*|,\s*|\s*\/\s*|\s+and\s+)§[0-9A-Z.]+)*)/g
const ENDPOINT_CITATION = /\bendpoints Endpoints? ([0-9]+(?:(?:,\s*|\s+and\s+)[0-9]+)*)/g
const APPENDIX_CITATION = /\bendpoints Appendix ([A-Z](?:\.[0-9]+)?)/g
const DECISION_CITATION = /\bD[0-9]{1,2}\b/g

/** The citations in one text, with the document and key each must resolve to. */
function findCitations(text: string): Citation[] {
  const citations: Citation[] = []
  for (const match of text.matchAll(SECTION_CITATION)) {
    for (const section of match[2]!.match(/§[0-9A-Z.]+/g) ?? []) {
      citations.push({ doc: DOC_OF_FAMILY[match[1]!]!, key: normaliseKey(section), text: `${match[1]} ${section}` })
    }
  }
  for (const match of text.matchAll(ENDPOINT_CITATION)) {
    for (const number of match[1]!.match(/[0-9]+/g) ?? []) {
      const text = `Endpoint ${number}`
      citations.push({ doc: DOC_OF_FAMILY.endpoints!, key: normaliseKey(text), text: `endpoints ${text}` })
    }
  }
  for (const match of text.matchAll(APPENDIX_CITATION)) {
    const text = `Appendix ${match[1]}`
    citations.push({ doc: DOC_OF_FAMILY.endpoints!, key: normaliseKey(text), text: `endpoints ${text}` })
  }
  for (const match of text.matchAll(DECISION_CITATION)) {
    citations.push({ doc: DOC_OF_FAMILY.decisions!, key: normaliseKey(match[0]), text: match[0] })
  }
  return citations
}

const HEADING = /^#{1,6}\s+(.*)$/
const ANCHOR = /<a id="([^"]+)"><\/a>/g

/**
 * The keys a document defines: a heading that starts with a section number ("### 1.3.1 …",
 * "## 9. …"), with "Endpoint N", "Appendix X" or a decision ("## D7 …"); and every `<a id="…">`.
 */
function definedKeys(markdown: string): string[] {
  const keys: string[] = []
  for (const line of markdown.split('\n')) {
    const heading = HEADING.exec(line)?.[1]
    if (heading !== undefined) {
      const number = /^§?([0-9]+(?:\.[0-9]+)*)\.?(?:\s|$)/.exec(heading)?.[1]
      if (number) keys.push(number)
      for (const named of heading.matchAll(/\b(Endpoint [0-9]+|Appendix [A-Z]\b|^D[0-9]{1,2}\b)/g)) {
        keys.push(normaliseKey(named[1]!))
      }
    }
    for (const anchor of line.matchAll(ANCHOR)) keys.push(normaliseKey(anchor[1]!))
  }
  return keys
}

function listFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name.startsWith('.') || SKIPPED_FOLDERS.has(entry.name)) return []
    const path = join(folder, entry.name)
    return entry.isDirectory() ? listFiles(path) : [path]
  })
}

function readDoc(doc: string): string {
  return readFileSync(join(ROOT, doc), 'utf8')
}

describe('docs/: every citation in src/, test/ and bench/ resolves', () => {
  const keysByDoc = new Map(Object.values(DOC_OF_FAMILY).map((doc) => [doc, new Set(definedKeys(readDoc(doc)))]))
  const files = SCANNED_FOLDERS.flatMap((folder) => listFiles(join(ROOT, folder)))
  const citations = files.flatMap((file) => {
    const text = readFileSync(file, 'utf8')
    if (text.includes('\u0000')) return []
    return findCitations(text).map((citation) => ({ ...citation, file: relative(ROOT, file) }))
  })

  it('finds the citations (the scan itself works)', () => {
    expect(files.length).toBeGreaterThan(100)
    expect(new Set(citations.map((citation) => citation.text)).size).toBeGreaterThan(150)
  })

  it('resolves each one to a heading or an anchor of its document', () => {
    const unresolved = citations
      .filter((citation) => !keysByDoc.get(citation.doc)!.has(citation.key))
      .map((citation) => `${citation.file}: "${citation.text}" has no section in ${citation.doc}`)
    expect([...new Set(unresolved)].sort()).toEqual([])
  })

  it('defines each key once per document, so a citation has one meaning', () => {
    for (const [doc, keys] of keysByDoc) {
      const all = definedKeys(readDoc(doc))
      const duplicates = all.filter((key, index) => all.indexOf(key) !== index)
      expect({ doc, duplicates }).toEqual({ doc, duplicates: [] })
      expect(keys.size).toBeGreaterThan(0)
    }
  })

  it('documents every owner decision D1–D27', () => {
    const keys = keysByDoc.get(DOC_OF_FAMILY.decisions!)!
    const missing = Array.from({ length: 27 }, (_, index) => `d${index + 1}`).filter((key) => !keys.has(key))
    expect(missing).toEqual([])
  })
})

describe('the citation rules', () => {
  // Built from parts, so that this file cites nothing that does not exist.
  const cite = (...parts: string[]): string => parts.join(' ')

  it('reads sections, ranges, lists, endpoints, appendices and decisions', () => {
    const text = [
      cite('see', 'scoring', '§13.70;'),
      cite('schema.md', '§3–§13,'),
      cite('scoring', '§13.21,', '§13.23'),
      cite('endpoints', '§1.4.'),
      cite('endpoints', 'Endpoints', '13 and 14'),
      cite('endpoints', 'Appendix', 'D.7'),
      cite('(', 'D17):'),
    ].join(' ')
    expect(findCitations(text).map(({ doc, key }) => `${doc}#${key}`)).toEqual([
      'docs/scoring.md#13.70',
      'docs/schema.md#3',
      'docs/schema.md#13',
      'docs/scoring.md#13.21',
      'docs/scoring.md#13.23',
      'docs/endpoints.md#1.4',
      'docs/endpoints.md#endpoint-13',
      'docs/endpoints.md#endpoint-14',
      'docs/endpoints.md#appendix-d.7',
      'docs/decisions.md#d17',
    ])
  })

  it('defines keys from numbered headings, named headings and anchors only', () => {
    const markdown = [
      '## 9. Endpoint 9 — check bans',
      '### 1.3.1 Partner API key',
      '## Appendix D — uncertain points',
      '## D7 — One bad stamp',
      '- <a id="13.5"></a>**13.5** no stamps',
      'Plain text naming 4.2 or Endpoint 3 defines nothing.',
    ].join('\n')
    expect(definedKeys(markdown)).toEqual(['9', 'endpoint-9', '1.3.1', 'appendix-d', 'd7', '13.5'])
  })

  it('reports a citation its document does not define', () => {
    const keys = new Set(definedKeys(readDoc('docs/scoring.md')))
    const [invented] = findCitations(cite('scoring', '§99.99'))
    expect(invented).toEqual({ doc: 'docs/scoring.md', key: '99.99', text: cite('scoring', '§99.99') })
    expect(keys.has(invented!.key)).toBe(false)
  })
})
