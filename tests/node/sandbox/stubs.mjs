// One stand-in for every module a snippet imports: each call is recorded, nothing is opened,
// nothing is sent. At exit the calls are printed as one JSON line.
const calls = []
const record = (name, args) => { calls.push({ name, args }) }
process.on('exit', () => { process.stdout.write(JSON.stringify({ calls }) + '\n') })

export const CA_TEXT = '-----BEGIN CERTIFICATE-----\nstand-in\n-----END CERTIFICATE-----\n'

function postgres(...args) { record('postgres', args); return { end() {} } }
postgres.Pool = class Pool { constructor(...args) { record('pg.Pool', args) } }
postgres.readFileSync = (...args) => { record('fs.readFileSync', args); return CA_TEXT }
export default postgres
export const readFileSync = postgres.readFileSync
export function drizzle(...args) { record('drizzle', args.map(() => 'client')); return {} }
export class PrismaPg { constructor(...args) { record('PrismaPg', args) } }
export class PrismaClient { constructor(...args) { record('PrismaClient', args.map(() => 'options')) } }
export function defineConfig(config) { record('defineConfig', [config]); return config }
export function env(name) { record('env', [name]); return `env:${name}` }
export const sql = (...args) => args
