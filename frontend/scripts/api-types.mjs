// The web app's API types, generated from the API's OpenAPI document (docs/openapi.json, itself
// generated from the Rust code) by openapi-typescript:
//   node scripts/api-types.mjs           writes src/lib/api-schema.ts      (npm run gen:api)
//   node scripts/api-types.mjs --check   fails when that file is stale     (npm run check:api)
// One place for the generator's options, so both modes produce the same file.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const SPEC = join(root, '..', 'docs', 'openapi.json')
const TARGET = join(root, 'src', 'lib', 'api-schema.ts')
const SHOWN = 'src/lib/api-schema.ts'
// `unknown` instead of `Record<string, never>` for schemas without properties: the problem's
// further members (`shortages`, `order_id`, ...) stay readable.
const OPTIONS = ['--empty-objects-unknown']

function generate(out) {
  if (!existsSync(SPEC)) {
    console.error(`error: ${SPEC} is missing; run \`make openapi\` in the repository root`)
    process.exit(1)
  }
  const bin = join(root, 'node_modules', '.bin', 'openapi-typescript')
  const r = spawnSync(bin, [SPEC, ...OPTIONS, '-o', out], { cwd: root, encoding: 'utf8' })
  if (r.status !== 0) {
    console.error(r.stdout, r.stderr)
    console.error(`error: openapi-typescript failed on ${SPEC}`)
    process.exit(1)
  }
}

if (process.argv.includes('--check')) {
  const dir = mkdtempSync(join(tmpdir(), 'sagaway-api-'))
  try {
    const fresh = join(dir, 'api-schema.ts')
    generate(fresh)
    const committed = existsSync(TARGET) ? readFileSync(TARGET, 'utf8') : null
    if (committed !== readFileSync(fresh, 'utf8')) {
      console.error(
        committed === null
          ? `error: ${SHOWN} is missing: run \`make openapi\` (or \`npm run gen:api\` in frontend/)`
          : `error: ${SHOWN} is stale: run \`make openapi\` (or \`npm run gen:api\` in frontend/)`,
      )
      process.exit(1)
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
} else {
  generate(TARGET)
  console.log(`${SHOWN} <- docs/openapi.json`)
}
