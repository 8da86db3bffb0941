import type { ScoreRow } from './factories/scoring-rows.js'

// What an error looks like on the wire and in the tables, written out from the spec once, so
// the tests do not check src/ against itself.

/** The V2 score body of an ERROR score (scoring §4.6): threshold "20.00000" and score "0.00000" whatever the scorer. */
export function errorScoreBody(address: string, error: string) {
  return {
    address,
    score: '0.00000',
    passing_score: false,
    last_score_timestamp: null,
    expiration_timestamp: null,
    threshold: '20.00000',
    error,
    stamps: {},
    points_data: null,
    possible_points_data: null,
    linked_score: null,
  }
}

/** The `registry_score` row a run that ended in ERROR leaves (scoring §5.1): only status and error set. */
export function errorScoreRow(passportId: number, error: string): Omit<ScoreRow, 'id'> {
  return {
    passport_id: passportId,
    score: null,
    status: 'ERROR',
    error,
    last_score_timestamp: null,
    expiration_date: null,
    evidence: null,
    stamp_scores: null,
    stamps: null,
    stamp_scores_text: null,
  }
}

const INT_PARSING_MSG = 'Input should be a valid integer, unable to parse string as an integer'

/** django-ninja's 422 for a path or query parameter that is not an integer (endpoints §1.9). */
export const intParsingError = (...loc: (string | number)[]) => ({
  detail: [{ type: 'int_parsing', loc, msg: INT_PARSING_MSG }],
})
