// Runtime configuration, written next to the app at deploy time (config.json), so one build
// serves the local stack and AWS.
export interface RuntimeConfig {
  apiUrl: string
  wsUrl: string
  /** The Temporal UI (e.g. http://127.0.0.1:8233); no links to it when absent or empty. */
  temporalUiUrl?: string
  /** The Temporal namespace of the order sagas (default `default`). */
  temporalNamespace?: string
}

let current: RuntimeConfig | null = null

export async function loadConfig(): Promise<RuntimeConfig> {
  const res = await fetch('./config.json', { cache: 'no-store' })
  if (!res.ok) throw new Error(`config.json could not be loaded (${res.status}); redeploy the site`)
  const cfg = (await res.json()) as RuntimeConfig
  if (!cfg.apiUrl || !cfg.wsUrl) throw new Error('config.json must name apiUrl and wsUrl')
  current = {
    apiUrl: cfg.apiUrl.replace(/\/$/, ''),
    wsUrl: cfg.wsUrl,
    temporalUiUrl: typeof cfg.temporalUiUrl === 'string' ? cfg.temporalUiUrl.replace(/\/$/, '') : undefined,
    temporalNamespace: typeof cfg.temporalNamespace === 'string' && cfg.temporalNamespace ? cfg.temporalNamespace : undefined,
  }
  return current
}

export function setConfig(cfg: RuntimeConfig): void {
  current = cfg
}

export function config(): RuntimeConfig {
  if (!current) throw new Error('the configuration is not loaded yet')
  return current
}
