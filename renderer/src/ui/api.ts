// The control API client: every call carries the per-launch token as a bearer header.
import type { ControlError } from '../lib/contract';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export class ControlApi {
  constructor(readonly token: string) {}

  async call<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', route: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(route, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        cache: 'no-store',
      });
    } catch {
      throw new ApiError(0, 'The app is not answering. Is it still running?');
    }
    const data = (await response.json().catch(() => null)) as T | ControlError | null;
    if (!response.ok) {
      const message =
        data && typeof data === 'object' && 'error' in data && typeof data.error === 'string'
          ? data.error
          : `The app answered HTTP ${response.status}.`;
      throw new ApiError(response.status, message);
    }
    return data as T;
  }

  get = <T>(route: string) => this.call<T>('GET', route);
  post = <T>(route: string, body?: unknown) => this.call<T>('POST', route, body);
  put = <T>(route: string, body: unknown) => this.call<T>('PUT', route, body);
  delete = <T>(route: string) => this.call<T>('DELETE', route);
}
