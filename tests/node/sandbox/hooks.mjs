// Resolve the snippet's imports to the recording stand-ins (see register.mjs).
const STUBBED = new Set([
  'pg', 'postgres', 'fs', 'node:fs', 'drizzle-orm', 'drizzle-orm/node-postgres',
  'drizzle-orm/postgres-js', '@prisma/adapter-pg', 'prisma/config', 'dotenv/config',
])
const STUBS = new URL('./stubs.mjs', import.meta.url).href

export async function resolve(specifier, context, nextResolve) {
  const fromSnippet = context.parentURL && context.parentURL !== STUBS && !context.parentURL.includes('/sandbox/')
  if (fromSnippet && (STUBBED.has(specifier) || specifier.startsWith('./generated/'))) {
    return { url: STUBS, shortCircuit: true }
  }
  return nextResolve(specifier, context)
}
