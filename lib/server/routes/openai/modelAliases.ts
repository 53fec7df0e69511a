/**
 * Which models the OpenAI-compatible route answers to: the provider's own, and aliases an
 * operator chose (`gpt-4o=gpt-4`), so that a client whose default model is another one works
 * without a change. An unknown model is a 404 `model_not_found`, as OpenAI, vLLM, Ollama and Groq
 * answer, which clients act on (`openai` raises `NotFoundError`, LangChain marks
 * `MODEL_NOT_FOUND`, LiteLLM falls back). Pure functions.
 *
 * No alias is made unless asked for: answering `gpt-4o` with another model is the operator's
 * decision, and the answers name the model that replied (`model: "gpt-4"`), as OpenAI names the
 * dated snapshot an alias resolved to.
 *
 * @module
 */
import * as E from '#fp-ts/Either.js';
import { YqcloudError } from '../../../index.js';

/**
 * The models of the route: the provider's, its default, and the aliases to them.
 */
export interface ModelCatalogue {
  /** What a request naming no model (or `''`) gets. */
  readonly defaultModel: string;
  /** The provider's models. */
  readonly models: ReadonlyArray<string>;
  /** Alias → one of `models`. */
  readonly aliases: ReadonlyMap<string, string>;
}

/** Longest model name or alias accepted. */
const maxNameLength = 200;

const invalid = (path: string, message: string): YqcloudError =>
  new YqcloudError('InvalidRequest', `${path}: ${message}`, { path });

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused.
const controlCharacters = /[\u0000-\u001f\u007f-\u009f]/;

/** A name the client sent, fit to quote: control characters replaced, cut to 100 characters. */
const quoted = (name: string): string =>
  JSON.stringify([...name.slice(0, 100)].map((c) => (controlCharacters.test(c) ? '\uFFFD' : c)).join(''));

const validName = (name: string): boolean =>
  name.trim() === name && name !== '' && name.length <= maxNameLength && !controlCharacters.test(name);

/**
 * One `alias=model` of the command line (`serve --model-alias gpt-4o=gpt-4`).
 */
export const parseModelAlias = (text: string): E.Either<YqcloudError, readonly [string, string]> => {
  const at = text.indexOf('=');
  const alias = text.slice(0, at).trim();
  const model = text.slice(at + 1).trim();
  return at <= 0 || !validName(alias) || !validName(model)
    ? E.left(invalid('model alias', 'expected alias=model, such as gpt-4o=gpt-4'))
    : E.right([alias, model]);
};

/**
 * The catalogue of a provider with the given aliases (own properties of `aliases` only). Each
 * alias must name one of `models` and must not be a model itself.
 *
 * @example
 * ```ts
 * modelCatalogue({ defaultModel: 'gpt-4', models: ['gpt-4'] }, { 'gpt-4o': 'gpt-4', 'gpt-3.5-turbo': 'gpt-4' });
 * // right({ defaultModel: 'gpt-4', models: ['gpt-4'], aliases: Map { 'gpt-4o' → 'gpt-4', 'gpt-3.5-turbo' → 'gpt-4' } })
 * modelCatalogue({ defaultModel: 'gpt-4', models: ['gpt-4'] }, { 'gpt-4o': 'gpt-5' });
 * // left(InvalidRequest 'modelAliases.gpt-4o: "gpt-5" is not a model of the provider (gpt-4)')
 * ```
 */
export const modelCatalogue = (
  provider: { readonly defaultModel: string; readonly models: ReadonlyArray<string> },
  aliases: Readonly<Record<string, string>> = {},
): E.Either<YqcloudError, ModelCatalogue> => {
  const map = new Map<string, string>();
  for (const alias of Object.keys(aliases)) {
    const model: unknown = aliases[alias];
    const path = `modelAliases.${alias.slice(0, 50)}`;
    if (!validName(alias)) return E.left(invalid('modelAliases', 'an alias is empty, too long or not printable'));
    if (typeof model !== 'string' || !provider.models.includes(model))
      return E.left(
        invalid(
          path,
          `${JSON.stringify(String(model).slice(0, 50))} is not a model of the provider (${provider.models.join(', ')})`,
        ),
      );
    if (provider.models.includes(alias)) return E.left(invalid(path, 'is a model of the provider already'));
    map.set(alias, model);
  }
  return E.right({ defaultModel: provider.defaultModel, models: provider.models, aliases: map });
};

/**
 * The model a request names, resolved: `''` is the default, an alias is its model, a model is
 * itself; anything else is left with the name asked for.
 *
 * @example
 * ```ts
 * const catalogue: ModelCatalogue = { defaultModel: 'gpt-4', models: ['gpt-4'], aliases: new Map([['gpt-4o', 'gpt-4']]) };
 * resolveModel(catalogue, 'gpt-4o'); // right('gpt-4')
 * resolveModel(catalogue, ''); // right('gpt-4')
 * resolveModel(catalogue, 'gpt-5'); // left('gpt-5')
 * ```
 */
export const resolveModel = (catalogue: ModelCatalogue, requested: string): E.Either<string, string> => {
  if (requested === '') return E.right(catalogue.defaultModel);
  if (catalogue.models.includes(requested)) return E.right(requested);
  const target = catalogue.aliases.get(requested);
  return target === undefined ? E.left(requested) : E.right(target);
};

/**
 * Every id the route answers to, models first: what `GET /v1/models` lists and
 * `GET /v1/models/{id}` finds.
 */
export const modelIds = (catalogue: ModelCatalogue): ReadonlyArray<string> => [
  ...catalogue.models,
  ...catalogue.aliases.keys(),
];

/**
 * OpenAI's answer to an unknown model: 404, `code: "model_not_found"`. The name asked for is
 * quoted with its control characters replaced, cut to 100 characters.
 *
 * @example
 * ```ts
 * const catalogue: ModelCatalogue = { defaultModel: 'gpt-4', models: ['gpt-4'], aliases: new Map([['gpt-4o', 'gpt-4']]) };
 * modelNotFound(catalogue, 'gpt-5').status; // 404
 * modelNotFound(catalogue, 'gpt-5').body.error.code; // 'model_not_found'
 * ```
 */
export const modelNotFound = (
  catalogue: ModelCatalogue,
  requested: string,
): {
  readonly status: 404;
  readonly body: {
    readonly error: {
      readonly message: string;
      readonly type: 'invalid_request_error';
      readonly param: 'model';
      readonly code: 'model_not_found';
    };
  };
} => ({
  status: 404,
  body: {
    error: {
      message:
        `The model ${quoted(requested)} does not exist on this server; it serves ` +
        `${modelIds(catalogue).join(', ')} (an operator can add an alias: serve --model-alias ${aliasHint(requested)}=${catalogue.defaultModel})`,
      type: 'invalid_request_error',
      param: 'model',
      code: 'model_not_found',
    },
  },
});

/** The asked name if it could be an alias as it is, else a placeholder. */
const aliasHint = (requested: string): string =>
  validName(requested) && /^[\w.:/-]+$/.test(requested) ? requested : '<name>';
