// The WebSocket to the notification service: reconnects with backoff (1 s doubling, at most
// 30 s) and calls onOpen after every (re)connect so the page can catch up from the API.
import type { Notification } from './api'
import { isOrderStatus } from './timeline'

export interface LiveOptions {
  url: () => string | null
  onMessage: (data: unknown) => void
  onOpen: () => void
  onState?: (connected: boolean) => void
}

export class Live {
  private ws: WebSocket | null = null
  private delay = 1000
  private stopped = false
  private timer: ReturnType<typeof setTimeout> | null = null

  constructor(private opts: LiveOptions) {}

  start(): void {
    this.stopped = false
    this.connect()
  }

  stop(): void {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    this.ws?.close()
    this.ws = null
  }

  private connect(): void {
    const url = this.opts.url()
    if (!url || this.stopped) return
    const ws = new WebSocket(url)
    this.ws = ws
    ws.onopen = () => {
      this.delay = 1000
      this.opts.onState?.(true)
      this.opts.onOpen()
    }
    ws.onmessage = (ev) => {
      try {
        this.opts.onMessage(JSON.parse(String(ev.data)))
      } catch {
        /* not ours */
      }
    }
    ws.onclose = () => {
      this.opts.onState?.(false)
      if (this.stopped) return
      this.timer = setTimeout(() => this.connect(), this.delay)
      this.delay = Math.min(this.delay * 2, 30_000)
    }
  }
}

/**
 * The order status notification in a pushed message (`{"type": "notification",
 * "notification": Notification}`), or null for anything else (another kind, a status this
 * app does not know, or not ours at all).
 */
export function pushedNotification(message: unknown): Notification | null {
  if (typeof message !== 'object' || message === null) return null
  const n = (message as { notification?: Partial<Notification> | null }).notification
  if (!n || n.kind !== 'order_status' || typeof n.created_at !== 'string') return null
  if (!n.data || !isOrderStatus(n.data.status)) return null
  return n as Notification
}
