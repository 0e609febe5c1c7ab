/** An action the user asked for that cannot be done as asked; the control API answers 400 with its message. */
export class ActionError extends Error {
  override name = 'ActionError';
}
