/** Something that happened on the forge, in the order it happened. The drill report reads these. */
export type ForgeEvent = { readonly seq: number; readonly at: string } & ForgeEventBody;

export type ForgeEventBody =
  | { readonly type: 'branch.created'; readonly branch: string; readonly sha: string }
  | { readonly type: 'branch.updated'; readonly branch: string; readonly before: string; readonly after: string; readonly via: 'contents' | 'refs' | 'merge' }
  | { readonly type: 'branch.deleted'; readonly branch: string; readonly sha: string }
  | { readonly type: 'pull_request.opened'; readonly number: number; readonly title: string; readonly head: string; readonly base: string }
  | { readonly type: 'pull_request.closed'; readonly number: number }
  | { readonly type: 'pull_request.merged'; readonly number: number; readonly base: string; readonly sha: string; readonly method: string }
  | { readonly type: 'issue.opened'; readonly number: number; readonly title: string }
  | { readonly type: 'issue.closed'; readonly number: number }
  | { readonly type: 'issue.reopened'; readonly number: number }
  | { readonly type: 'comment.created'; readonly number: number; readonly id: number }
  | { readonly type: 'status.created'; readonly sha: string; readonly context: string; readonly state: string }
  | { readonly type: 'workflow.dispatched'; readonly workflowId: string; readonly ref: string; readonly inputs: Readonly<Record<string, unknown>> };

export type ForgeEventType = ForgeEventBody['type'];

/**
 * Append-only, in-memory log of forge activity with subscribers. Use `list()` for the drill report and
 * `subscribe()` to react (e.g. a lab deployer that ships on `pull_request.merged`).
 * Gotcha: listeners run synchronously inside the request; a throwing listener is isolated, not fatal.
 */
export class ForgeEventLog {
  readonly #events: ForgeEvent[] = [];
  readonly #listeners = new Set<(event: ForgeEvent) => void>();

  /** Records an event, stamps it with a sequence number and time, and notifies subscribers. */
  record(body: ForgeEventBody): ForgeEvent {
    const event = { ...body, seq: this.#events.length + 1, at: new Date().toISOString() } as ForgeEvent;
    this.#events.push(event);
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // A subscriber's bug must not turn a successful API call into a 500.
      }
    }
    return event;
  }

  /** All events so far (a copy), optionally only those of one type. */
  list<T extends ForgeEventType>(type?: T): Extract<ForgeEvent, { type: T }>[] {
    const all = type ? this.#events.filter((e) => e.type === type) : this.#events.slice();
    return all as Extract<ForgeEvent, { type: T }>[];
  }

  /** Calls `listener` for every future event; returns the unsubscribe function. */
  subscribe(listener: (event: ForgeEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
