// The model stand-in's answer in Anthropic's Messages API format (POST /v1/messages): one text
// block with the fixed reply, as a JSON message or, when the request streams, as the API's
// server-sent events (message_start, one text block in two deltas, message_delta, message_stop).
import type http from 'node:http';

export interface MessagesAnswer {
  model: string;
  stream: boolean;
  reply: string;
}

let served = 0;

export function answerAnthropicMessages(
  res: http.ServerResponse,
  { model, stream, reply }: MessagesAnswer,
): void {
  const id = `msg_lab${++served}`;
  const usage = { input_tokens: 1, output_tokens: 1 };
  if (!stream) {
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        id,
        type: 'message',
        role: 'assistant',
        model,
        content: [{ type: 'text', text: reply }],
        stop_reason: 'end_turn',
        stop_sequence: null,
        usage,
      }),
    );
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const event = (type: string, data: object) =>
    res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  event('message_start', {
    message: {
      id,
      type: 'message',
      role: 'assistant',
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage,
    },
  });
  event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
  // Two deltas, so a streaming consumer sees the reply assembled from parts.
  const half = Math.ceil(reply.length / 2);
  for (const part of [reply.slice(0, half), reply.slice(half)])
    if (part) event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: part } });
  event('content_block_stop', { index: 0 });
  event('message_delta', {
    delta: { stop_reason: 'end_turn', stop_sequence: null },
    usage: { output_tokens: 1 },
  });
  event('message_stop', {});
  res.end();
}
