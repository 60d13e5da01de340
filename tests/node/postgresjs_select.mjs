// postgres.js: `clients` sql instances (max: 1 each) from `url` and/or `options`, as the inspector
// suggests them; each runs `select 1` `times` rounds, interleaved (postgres.js prepares every
// query unless `prepare: false`). Prints {ok, rows} or the first error.
import postgres from 'postgres'
import { failure, finish, readInput } from './common.mjs'

const input = readInput()
const options = { max: 1, connect_timeout: 5, idle_timeout: 1, onnotice: () => {}, ...input.options }
const clients = []
let result
let where = 'start' // the step that failed, kept apart from the error
try {
  for (let i = 0; i < (input.clients ?? 1); i++) {
    clients.push(input.url ? postgres(input.url, options) : postgres(options))
  }
  const rows = []
  for (let round = 0; round < (input.times ?? 2); round++) {
    for (const [i, sql] of clients.entries()) {
      where = `round ${round} client ${i}`
      rows.push((await sql`select 1 as n`)[0].n)
    }
  }
  result = { ok: true, rows }
} catch (err) {
  result = failure(err, where)
}
await Promise.allSettled(clients.map((sql) => sql.end({ timeout: 1 })))
finish(result)
