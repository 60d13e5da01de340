// node-postgres: `clients` pg.Client objects from `config` (connectionString and/or options, as the
// inspector suggests them); each runs `select 1` `times` rounds, interleaved; with `name` the query
// is a named (server-side prepared) statement. Prints {ok, rows} or the first error.
import pg from 'pg'
import { failure, finish, readInput } from './common.mjs'

const input = readInput()
const clients = []
let result
let where = 'start' // the step that failed, kept apart from the error (pg's own `where` is the server's)
try {
  for (let i = 0; i < (input.clients ?? 1); i++) {
    const client = new pg.Client({ connectionTimeoutMillis: 5000, ...input.config })
    clients.push(client)
    where = `connect client ${i}`
    await client.connect()
  }
  const rows = []
  for (let round = 0; round < (input.times ?? 2); round++) {
    for (const [i, client] of clients.entries()) {
      const query = input.name ? { name: input.name, text: 'select 1 as n' } : 'select 1 as n'
      where = `round ${round} client ${i}`
      rows.push((await client.query(query)).rows[0].n)
    }
  }
  result = { ok: true, rows, ssl: clients.map((c) => Boolean(c.connection.stream.encrypted)) }
} catch (err) {
  result = failure(err, where)
}
await Promise.allSettled(clients.map((c) => c.end()))
finish(result)
