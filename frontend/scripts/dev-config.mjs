// Writes public/config.json for `npm run dev` from the running local stack (make up).
import { readFileSync, writeFileSync } from 'node:fs'

const envFile = new URL('../../.local/stack/env', import.meta.url)
let env
try {
  env = Object.fromEntries(
    readFileSync(envFile, 'utf8')
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  )
} catch {
  console.error('error: the local stack is not up; run `make up` in the repository root first')
  process.exit(1)
}
writeFileSync(
  new URL('../public/config.json', import.meta.url),
  JSON.stringify(
    {
      apiUrl: env.SAGAWAY_API_URL,
      wsUrl: env.SAGAWAY_WS_URL,
      temporalUiUrl: env.SAGAWAY_TEMPORAL_UI_URL ?? '',
      temporalNamespace: 'default',
    },
    null,
    2,
  ),
)
console.log(`config.json -> API ${env.SAGAWAY_API_URL}`)
