import { expect } from 'chai';
import * as E from '#fp-ts/Either.js';
import {
  modelCatalogue,
  modelIds,
  modelNotFound,
  parseModelAlias,
  resolveModel,
  type ModelCatalogue,
} from '../../../../lib/server/routes/openai/modelAliases.js';

const yqcloud = { defaultModel: 'gpt-4', models: ['gpt-4'] };

const catalogueOf = (aliases: Readonly<Record<string, string>>): ModelCatalogue => {
  const made = modelCatalogue(yqcloud, aliases);
  if (E.isLeft(made)) throw made.left;
  return made.right;
};

describe('model aliases of the OpenAI-compatible route', () => {
  it('parses alias=model flags and refuses anything else', () => {
    expect(parseModelAlias('gpt-4o=gpt-4')).to.deep.equal(E.right(['gpt-4o', 'gpt-4']));
    expect(parseModelAlias(' gpt-3.5-turbo = gpt-4 ')).to.deep.equal(E.right(['gpt-3.5-turbo', 'gpt-4']));
    for (const bad of ['gpt-4o', '=gpt-4', 'gpt-4o=', 'a\u001b[2J=gpt-4'])
      expect(E.isLeft(parseModelAlias(bad)), bad).to.equal(true);
  });

  it('resolves the default, a model and an alias; leaves an unknown name', () => {
    const catalogue = catalogueOf({ 'gpt-4o': 'gpt-4', 'gpt-3.5-turbo': 'gpt-4' });
    expect(resolveModel(catalogue, '')).to.deep.equal(E.right('gpt-4'));
    expect(resolveModel(catalogue, 'gpt-4')).to.deep.equal(E.right('gpt-4'));
    expect(resolveModel(catalogue, 'gpt-4o')).to.deep.equal(E.right('gpt-4'));
    expect(resolveModel(catalogue, 'gpt-3.5-turbo')).to.deep.equal(E.right('gpt-4'));
    expect(resolveModel(catalogue, 'gpt-4O')).to.deep.equal(E.left('gpt-4O'));
    expect(resolveModel(catalogueOf({}), 'gpt-4o')).to.deep.equal(E.left('gpt-4o'));
  });

  it('makes no alias unless asked, and reads only own properties of the option', () => {
    const proto = Object.prototype as Record<string, unknown>;
    proto['gpt-4o'] = 'gpt-4';
    try {
      expect(resolveModel(catalogueOf({}), 'gpt-4o')).to.deep.equal(E.left('gpt-4o'));
    } finally {
      delete proto['gpt-4o'];
    }
  });

  it('refuses an alias to a model the provider lacks, or one that shadows a model', () => {
    const toUnknown = modelCatalogue(yqcloud, { 'gpt-4o': 'gpt-5' });
    expect(E.isLeft(toUnknown) && toUnknown.left.message).to.include('"gpt-5" is not a model of the provider');
    expect(E.isLeft(toUnknown) && toUnknown.left.kind).to.equal('InvalidRequest');
    expect(E.isLeft(modelCatalogue(yqcloud, { 'gpt-4': 'gpt-4' }))).to.equal(true);
    expect(E.isLeft(modelCatalogue(yqcloud, { '': 'gpt-4' }))).to.equal(true);
  });

  it('lists models then aliases', () => {
    expect(modelIds(catalogueOf({ 'gpt-4o': 'gpt-4' }))).to.deep.equal(['gpt-4', 'gpt-4o']);
  });

  it('answers an unknown model with OpenAI 404 model_not_found, its name quoted without control characters', () => {
    const answer = modelNotFound(catalogueOf({ 'gpt-4o': 'gpt-4' }), 'gpt-5\u001b]52;c;aGk=\u0007\u009b2J');
    expect(answer.status).to.equal(404);
    expect(answer.body.error).to.include({ type: 'invalid_request_error', code: 'model_not_found', param: 'model' });
    expect(answer.body.error.message).to.include('serves gpt-4, gpt-4o');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for control characters
    expect(answer.body.error.message).not.to.match(/[\u0000-\u001f\u007f-\u009f]/);
    expect(modelNotFound(catalogueOf({}), 'gpt-4o').body.error.message).to.include('--model-alias gpt-4o=gpt-4');
    expect(modelNotFound(catalogueOf({}), 'x'.repeat(10_000)).body.error.message.length).to.be.below(400);
  });
});
