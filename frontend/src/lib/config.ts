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
  current = parseConfig(await res.json())
  return current
}

/** A non-empty string, or undefined. */
function text(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() ? v.trim() : undefined
}

/**
 * config.json as the app uses it. The Temporal settings are read as `temporalUiUrl` /
 * `temporalNamespace` and also as Terraform writes them (`temporal_ui_url` /
 * `temporal_namespace`); an empty URL means no links to the Temporal UI.
 */
export function parseConfig(raw: unknown): RuntimeConfig {
  const cfg = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>
  const apiUrl = text(cfg.apiUrl)
  const wsUrl = text(cfg.wsUrl)
  if (!apiUrl || !wsUrl) throw new Error('config.json must name apiUrl and wsUrl')
  const ui = text(cfg.temporalUiUrl) ?? text(cfg.temporal_ui_url)
  return {
    apiUrl: apiUrl.replace(/\/$/, ''),
    wsUrl,
    temporalUiUrl: ui?.replace(/\/$/, ''),
    temporalNamespace: text(cfg.temporalNamespace) ?? text(cfg.temporal_namespace) ?? (ui ? 'default' : undefined),
  }
}

export function setConfig(cfg: RuntimeConfig): void {
  current = cfg
}

export function config(): RuntimeConfig {
  if (!current) throw new Error('the configuration is not loaded yet')
  return current
}
