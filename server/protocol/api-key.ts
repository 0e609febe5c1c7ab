// The rule for an Api Key, in one place: the mirror's check of a saved or learned key, the words the
// contract gives the window, and the window's check as the user types. No schema library here, so
// the window's bundle can import it.

/** The most characters an Api Key may have. */
export const API_KEY_MAX_CHARS = 200;

/** The rule in words, e.g. for "it must be …". */
export const API_KEY_RULE = `1 to ${API_KEY_MAX_CHARS} ASCII letters, digits or punctuation, no spaces`;

/** The characters an Api Key may hold: printable ASCII, no space. */
const KEY_CHARACTERS = '[\\x21-\\x7e]';

/** One character an Api Key may hold. */
export const API_KEY_CHARACTER = new RegExp(`^${KEY_CHARACTERS}$`);

const API_KEY = new RegExp(`^${KEY_CHARACTERS}{1,${API_KEY_MAX_CHARS}}$`);

/** Whether `value` keeps the rule. */
export const isApiKey = (value: unknown): value is string => typeof value === 'string' && API_KEY.test(value);
