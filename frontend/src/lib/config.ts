// Runtime configuration, written next to the app at deploy time (config.json), so one build
// serves the local stack and AWS.
export interface RuntimeConfig {
  apiUrl: string
  wsUrl: string
  /** The Temporal UI (e.g. http://127.0.0.1:8233); no saga links without it. */
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
  current = { ...cfg, apiUrl: cfg.apiUrl.replace(/\/$/, ''), wsUrl: cfg.wsUrl, ...temporalSettings(cfg) }
  return current
}

export function setConfig(cfg: RuntimeConfig): void {
  current = cfg
}

export function config(): RuntimeConfig {
  if (!current) throw new Error('the configuration is not loaded yet')
  return current
}

/**
 * The order saga's page in the Temporal UI (workflow id `order-<order id>`), or null when
 * config.json names no Temporal UI.
 */
export function temporalWorkflowUrl(orderId: string, cfg: RuntimeConfig | null = current): string | null {
  const ui = cfg?.temporalUiUrl
  const base = typeof ui === 'string' ? ui.trim().replace(/\/+$/, '') : ''
  if (!base) return null
  const namespace = cfg?.temporalNamespace
  const ns = (typeof namespace === 'string' && namespace.trim()) || 'default'
  return `${base}/namespaces/${encodeURIComponent(ns)}/workflows/${encodeURIComponent(`order-${orderId}`)}`
}

/** The Temporal UI settings of config.json (`temporalUiUrl`, `temporalNamespace`), trimmed. */
export function temporalSettings(raw: unknown): Pick<RuntimeConfig, 'temporalUiUrl' | 'temporalNamespace'> {
  const o = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>
  const pick = (key: string) => {
    const v = o[key]
    return typeof v === 'string' && v.trim() ? v.trim() : undefined
  }
  return {
    temporalUiUrl: pick('temporalUiUrl'),
    temporalNamespace: pick('temporalNamespace'),
  }
}
