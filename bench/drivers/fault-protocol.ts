// Messages between the fault harness (faults.ts) and a driver's load process (fault-worker.ts).

export type ParentMessage =
  | { type: 'connect'; url: string }
  | { type: 'down'; at: number }
  | { type: 'back'; id: number; at: number }
  | { type: 'stats' }

export interface Recovery {
  id: number
  /** From 'back' to the first transaction begun after it that succeeded. */
  firstSuccessMs: number | null
  /** From 'back' until every live worker had such a success (null: not within RECOVERY_LIMIT_MS). */
  allWorkersMs: number | null
}

export interface PhaseStats {
  transactions: number
  succeeded: number
  errorsByCode: Record<string, number>
  /** A success whose rows were not the ones this transaction wrote or asked for. */
  wrongRows: number
  /** Transactions still pending HANG_MS after the database was back. */
  hung: number
  /** Of those, still pending when the numbers were taken (the last snapshot of a phase counts). */
  neverSettled: number
  /** Hung transactions that settled later after all, with how long they had been pending. */
  lateSettledMs: number[]
  /** Errors of transactions begun after every worker had recovered (a broken connection reused). */
  errorsAfterRecovery: Record<string, number>
  /** pg's 'error' events (on the pool or a checked-out client); postgres.js has none. */
  errorEvents: number
  /** Transactions in flight during an outage window ('down' → 'back'): how they ended. */
  outage: {
    settledOkAfterBack: number
    erroredBeforeBack: number
    erroredAfterBack: number
    waitsMs: number[]
    timeToErrorMs: number[]
  }
}

export type ChildMessage =
  { type: 'ready' } | { type: 'recovered'; recovery: Recovery } | { type: 'stats'; stats: PhaseStats }

export const HANG_MS = 10_000
export const RECOVERY_LIMIT_MS = 15_000

export function emptyPhaseStats(): PhaseStats {
  return {
    transactions: 0,
    succeeded: 0,
    errorsByCode: {},
    wrongRows: 0,
    hung: 0,
    neverSettled: 0,
    lateSettledMs: [],
    errorsAfterRecovery: {},
    errorEvents: 0,
    outage: { settledOkAfterBack: 0, erroredBeforeBack: 0, erroredAfterBack: 0, waitsMs: [], timeToErrorMs: [] },
  }
}
