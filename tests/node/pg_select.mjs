// node-postgres: `clients` pg.Client objects from `config` (connectionString and/or options, as the
// inspector suggests them); each runs `select 1` `times` rounds, interleaved; with `name` the query
// is a named (server-side prepared) statement. Prints {ok, rows} or the first error.
import pg from 'pg'
import { failure, finish, readInput } from './common.mjs'

const input = readInput()
const clients = []
let result
try {
  for (let i = 0; i < (input.clients ?? 1); i++) {
    const client = new pg.Client({ connectionTimeoutMillis: 5000, ...input.config })
    clients.push(client)
    try {
      await client.connect()
    } catch (err) {
      throw Object.assign(err, { where: `connect client ${i}` })
    }
  }
  const rows = []
  for (let round = 0; round < (input.times ?? 2); round++) {
    for (const [i, client] of clients.entries()) {
      const query = input.name ? { name: input.name, text: 'select 1 as n' } : 'select 1 as n'
      try {
        rows.push((await client.query(query)).rows[0].n)
      } catch (err) {
        throw Object.assign(err, { where: `round ${round} client ${i}` })
      }
    }
  }
  result = { ok: true, rows, ssl: clients.map((c) => Boolean(c.connection.stream.encrypted)) }
} catch (err) {
  result = failure(err, err.where)
}
await Promise.allSettled(clients.map((c) => c.end()))
finish(result)
