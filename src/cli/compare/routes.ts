// The routes this service serves (src/api/routes.ts), as method and path template. The compare
// and shadow tools name differences by route; test/cli/compare checks this list against the
// routes the app registers, so it cannot drift.
export const SERVICE_ROUTES: readonly string[] = [
  'GET /health',
  'GET /health/',
  'GET /v2/stamps/:scorer_id/score/:address',
  'GET /internal/score/v2/:scorer_id/:address',
  'POST /internal/check-bans',
  'POST /internal/check-revocations',
  'GET /internal/allow-list/:list/:address',
  'GET /internal/customization/credential/:provider_id',
  'GET /internal/stake/gtc/:address',
  'GET /internal/stake/legacy-gtc/:address/:round_id',
  'GET /internal/cgrants/contributor_statistics',
  'POST /internal/embed/stamps/:address',
  'GET /internal/embed/score/:scorer_id/:address',
  'GET /internal/embed/validate-api-key',
  'GET /internal/embed/weights',
  'POST /ceramic-cache/stamps/bulk',
  'PATCH /ceramic-cache/stamps/bulk',
  'DELETE /ceramic-cache/stamps/bulk',
  'GET /ceramic-cache/score/:address',
  'GET /ceramic-cache/stamp',
  'GET /ceramic-cache/weights',
  'GET /v2/stamps/:scorer_id/score/:address/history',
  'GET /v2/stamps/metadata',
  'GET /v2/stamps/:address',
  'GET /v2/models/score/:address',
  'GET /account/nonce',
  'POST /ceramic-cache/authenticate/v2',
  'POST /ceramic-cache/authenticate',
  'POST /ceramic-cache/score/:address',
  'GET /ceramic-cache/stake/gtc',
  'PATCH /ceramic-cache/stamps/bulk/meta/compose-db',
  'GET /ceramic-cache/tos/accepted/:tos_type/:address',
  'GET /ceramic-cache/tos/message-to-sign/:tos_type/:address',
  'POST /ceramic-cache/tos/signed-message/:tos_type/:address',
  'GET /internal/embed/config',
]

const compiled = SERVICE_ROUTES.map((route) => {
  const [method, template] = route.split(' ') as [string, string]
  const segments = template.split('/')
  return { route, method, segments, literals: segments.filter((segment) => !segment.startsWith(':')).length }
})

/** `GET /v2/stamps/:scorer_id/score/:address` for `GET /v2/stamps/3/score/0xabc?x=1`; unknown paths keep their own path. */
export function routeOf(method: string, url: string): string {
  const path = url.split('?', 1)[0]!
  const segments = path.split('/')
  const lookup = method === 'HEAD' ? 'GET' : method
  const matching = compiled.filter(
    (candidate) =>
      candidate.method === lookup &&
      candidate.segments.length === segments.length &&
      candidate.segments.every((segment, index) =>
        segment.startsWith(':') ? segments[index] !== '' : segment === segments[index],
      ),
  )
  // As the router decides: a literal segment wins over a parameter (`/v2/stamps/metadata` is not
  // `/v2/stamps/:address`), whatever the order of the list.
  const found = matching.sort((a, b) => b.literals - a.literals)[0]
  return found ? `${method} ${found.route.slice(found.method.length + 1)}` : `${method} ${path} (not a route)`
}
