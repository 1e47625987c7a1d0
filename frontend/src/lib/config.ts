// Runtime configuration, written next to the app at deploy time (config.json), so one build
// serves the local stack and AWS.
export interface RuntimeConfig {
  apiUrl: string
  wsUrl: string
}

let current: RuntimeConfig | null = null

export async function loadConfig(): Promise<RuntimeConfig> {
  const res = await fetch('./config.json', { cache: 'no-store' })
  if (!res.ok) throw new Error(`config.json could not be loaded (${res.status}); redeploy the site`)
  const cfg = (await res.json()) as RuntimeConfig
  if (!cfg.apiUrl || !cfg.wsUrl) throw new Error('config.json must name apiUrl and wsUrl')
  current = { apiUrl: cfg.apiUrl.replace(/\/$/, ''), wsUrl: cfg.wsUrl }
  return current
}

export function setConfig(cfg: RuntimeConfig): void {
  current = cfg
}

export function config(): RuntimeConfig {
  if (!current) throw new Error('the configuration is not loaded yet')
  return current
}
