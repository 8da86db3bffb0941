import js from '@eslint/js'
import tseslint from 'typescript-eslint'

// Dependencies go one way: api → domain → db (style §5). Beside the service sit src/dev (the demo
// seed, the demo stamp issuer, the local JWT keys, the embedded demo) and bench/: src/server.ts
// (embedded demo mode), src/cli, bench and tests may use src/dev; nothing in src/ uses bench/.
const forbid = (group, message) => ({ group: [group], message })
const restrict = (...patterns) => ({ 'no-restricted-imports': ['error', { patterns }] })

const NO_API_FROM_DOMAIN = forbid('**/api/**', 'domain must not depend on HTTP or CLI code')
const NO_DEV = forbid(
  '**/dev/**',
  'service code never imports src/dev (demo and development helpers): only src/server.ts, src/cli, bench and tests do',
)
const NO_BENCH = forbid('**/bench/**', 'src/ is the service: the benchmark in bench/ is never imported from it')
const NO_DEMO_SQL = forbid('**/queries/demo.js', "the demo's SQL is for src/dev and bench only")

// Style §2: SQL lives in src/db (the bench's own in bench/sql.ts). A tagged template or .unsafe()
// anywhere else is a query outside its module; String.raw is the one tag that is not SQL.
const noSqlHere = (where) => ({
  'no-restricted-syntax': [
    'error',
    {
      selector: "TaggedTemplateExpression:not([tag.object.name='String'][tag.property.name='raw'])",
      message: `no SQL here: ${where}`,
    },
    { selector: "CallExpression[callee.property.name='unsafe']", message: `no SQL here: ${where}` },
  ],
})

export default tseslint.config(
  { ignores: ['node_modules/**', '.data/**', 'bench/results/**', 'dist/**', '.scratch/**'] },
  { files: ['patches/**/*.mjs'], languageOptions: { globals: { console: 'readonly', process: 'readonly' } } },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['src/api/**/*.ts', 'src/app.ts', 'src/lambda.ts', 'src/config.ts'],
    rules: restrict(NO_DEV, NO_BENCH, NO_DEMO_SQL),
  },
  {
    files: ['src/domain/**/*.ts'],
    rules: restrict(
      NO_API_FROM_DOMAIN,
      forbid('fastify', NO_API_FROM_DOMAIN.message),
      forbid('@fastify/*', NO_API_FROM_DOMAIN.message),
      forbid('**/cli/**', NO_API_FROM_DOMAIN.message),
      NO_DEV,
      NO_BENCH,
      NO_DEMO_SQL,
    ),
  },
  {
    files: ['src/db/**/*.ts'],
    rules: restrict(
      forbid('**/domain/**', 'db holds SQL only; it must not depend on domain, api or cli'),
      forbid('**/api/**', 'db holds SQL only; it must not depend on domain, api or cli'),
      forbid('**/cli/**', 'db holds SQL only; it must not depend on domain, api or cli'),
      forbid('fastify', 'db holds SQL only; it must not depend on domain, api or cli'),
      NO_DEV,
      NO_BENCH,
    ),
  },
  { files: ['src/server.ts'], rules: restrict(NO_BENCH) },
  {
    files: ['src/cli/**/*.ts', 'src/dev/**/*.ts'],
    rules: restrict(forbid('**/api/**', 'CLIs and dev helpers call the domain, never the HTTP layer'), NO_BENCH),
  },
  {
    files: ['bench/**/*.ts'],
    rules: restrict(
      forbid('**/src/api/**', 'the bench drives the service over HTTP or calls the domain, never src/api'),
    ),
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/db/**'],
    rules: noSqlHere('queries live in src/db/queries (style §2)'),
  },
  {
    files: ['bench/**/*.ts'],
    ignores: ['bench/sql.ts', 'bench/drivers/**'],
    rules: noSqlHere("the bench's statements live in bench/sql.ts"),
  },
  {
    // Routes reach the database only through the domain. The pool's types may be named (a hook or
    // helper that takes `app.sql` says `Sql`); nothing else of src/db, not even a row type.
    files: ['src/api/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/db/**', '!**/db/pool.js'],
              message: 'src/api reaches the database only through src/domain',
            },
            {
              group: ['**/db/pool.js'],
              allowTypeImports: true,
              message: 'src/api may import only the pool types (import type { Sql })',
            },
            { group: ['**/cli/**'], message: 'the HTTP layer does not depend on CLI code' },
          ],
        },
      ],
    },
  },
)
