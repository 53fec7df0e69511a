/**
 * The names the telemetry of yqcloud-rx records under: OpenTelemetry's semantic conventions for
 * generative AI client inference (spans and metrics), the general `error.type`, `server.*` and
 * `http.*` attributes, and a few of our own under `yqcloud.*`.
 *
 * @module
 */

/**
 * Attribute names.
 */
export const genAi = {
  operationName: 'gen_ai.operation.name',
  providerName: 'gen_ai.provider.name',
  /** The provider's name before the conventions' 1.37 (`gen_ai.provider.name` replaced it). */
  system: 'gen_ai.system',
  requestModel: 'gen_ai.request.model',
  responseModel: 'gen_ai.response.model',
  finishReasons: 'gen_ai.response.finish_reasons',
  outputType: 'gen_ai.output.type',
  conversationId: 'gen_ai.conversation.id',
  timeToFirstChunk: 'gen_ai.response.time_to_first_chunk',
  inputMessages: 'gen_ai.input.messages',
  systemInstructions: 'gen_ai.system_instructions',
  outputMessages: 'gen_ai.output.messages',
  errorType: 'error.type',
  serverAddress: 'server.address',
  serverPort: 'server.port',
  httpStatus: 'http.response.status_code',
  outcome: 'yqcloud.reply.outcome',
  chunks: 'yqcloud.reply.chunks',
  characters: 'yqcloud.reply.characters',
  timeoutPhase: 'yqcloud.error.timeout_phase',
  blockReason: 'yqcloud.error.block_reason',
} as const;

/**
 * The metrics: name, unit, description and the bucket boundaries the conventions advise.
 */
export const genAiMetrics = {
  duration: {
    name: 'gen_ai.client.operation.duration',
    unit: 's',
    description: 'GenAI operation duration.',
    buckets: [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92],
  },
  timeToFirstChunk: {
    name: 'gen_ai.client.operation.time_to_first_chunk',
    unit: 's',
    description: 'Time from the request to the first chunk of the streamed response.',
    buckets: [
      0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.12, 0.14, 0.16, 0.18, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5,
      0.75, 1, 2, 5,
    ],
  },
} as const;
