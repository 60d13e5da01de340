// Shared by the driver scripts: read the JSON input, collect Node's warnings, print one JSON line.
// Input comes from stdin (or argv[2]), never argv alone, so no password shows in `ps`.
import { readFileSync } from 'node:fs'
import { inspect } from 'node:util'

export const warnings = []
process.on('warning', (w) => warnings.push(`${w.name}: ${w.message}`))

export function readInput() {
  const text = process.argv[2] ?? readFileSync(0, 'utf8')
  return JSON.parse(text || '{}')
}

// What a user would paste: String(err) (the first line of an uncaught error; what apps log) and
// `inspected`, the whole print of an uncaught error (stack, then the fields); and the fields the
// drivers put on it: a Node TLS/system code, or the server's SQLSTATE and routine.
export function failure(err, step) {
  const out = { ok: false, text: String(err), inspected: inspect(err), name: err?.name, message: err?.message, step }
  for (const key of ['code', 'severity', 'routine', 'hint', 'detail', 'errno', 'syscall']) {
    if (err?.[key] !== undefined) out[key] = err[key]
  }
  return out
}

export function finish(result) {
  process.stdout.write(JSON.stringify({ ...result, warnings }) + '\n')
}
