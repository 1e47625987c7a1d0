// The WebSocket to the notification service: reconnects with backoff (1 s doubling, at most
// 30 s) and calls onOpen after every (re)connect so the page can catch up from the API.

export interface LiveOptions {
  url: () => string | null
  onMessage: (data: any) => void
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
