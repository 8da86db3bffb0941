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
  { files: ['src/cli/**/*.ts'], rules: restrict(['**/api/**'], 'CLIs call the domain, never the HTTP layer') },
)
