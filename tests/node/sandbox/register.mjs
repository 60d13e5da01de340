// `node --import ./sandbox/register.mjs snippet.mjs`: every module a generated snippet imports
// (pg, postgres, drizzle-orm, Prisma's, node:fs, ...) becomes stubs.mjs, which records its calls
// and touches nothing (tests/test_stacks_codegen.py).
import { register } from 'node:module'

register('./hooks.mjs', import.meta.url)
