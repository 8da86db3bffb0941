import js from '@eslint/js'
import tseslint from 'typescript-eslint'

// Dependencies go one way: api → domain → db (style §5).
const restrict = (patterns, message) => ({
  'no-restricted-imports': ['error', { patterns: patterns.map((group) => ({ group: [group], message })) }],
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
    files: ['src/domain/**/*.ts'],
    rules: restrict(['**/api/**', 'fastify', '@fastify/*', '**/cli/**'], 'domain must not depend on HTTP or CLI code'),
  },
  {
    files: ['src/db/**/*.ts'],
    rules: restrict(
      ['**/domain/**', '**/api/**', '**/cli/**', 'fastify'],
      'db holds SQL only; it must not depend on domain, api or cli',
    ),
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
  { files: ['src/cli/**/*.ts'], rules: restrict(['**/api/**'], 'CLIs call the domain, never the HTTP layer') },
)
