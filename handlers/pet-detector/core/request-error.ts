/** A bad request: a 4xx with `{ "error": "<field>: <what is wrong>" }`. */
export class RequestError extends Error {
  readonly statusCode: number;
  constructor(message: string, statusCode = 400) {
    super(message);
    this.name = 'RequestError';
    this.statusCode = statusCode;
  }
}
