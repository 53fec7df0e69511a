import { DefaultChatTransport, type UIMessage } from 'ai';
import { expect } from 'chai';
import { SpecChat } from '../support/aiChat.js';
import { eventually } from '../support/eventually.js';
import { startRedisServer, type RedisServer } from '../support/redisServer.js';
import { startPacedService, startServe, type ServeInstance } from '../support/serveCluster.js';
import { teardown } from '../support/teardown.js';

// The AI SDK's chat protocol on a cluster as users run it: 2 `yqcloud-rx serve --redis`
// processes (the built command line), one real redis-server, a stand-in service pacing its
// reply, and the AI SDK's own Chat and DefaultChatTransport as the page; the test is the load
// balancer that sends the reconnect to the other instance.
const token = 'sk-cluster-ui-spec';
const auth = { authorization: `Bearer ${token}` };

const textOf = (message: UIMessage | undefined): string =>
  (message?.parts ?? []).map((p) => (p.type === 'text' ? p.text : '')).join('');

describe('cluster: the AI SDK’s Chat resumes a reply on another serve process (Redis)', function () {
  this.timeout(90_000);
  const started = teardown();
  let redis: RedisServer;
  let service: Awaited<ReturnType<typeof startPacedService>>;
  let a: ServeInstance;
  let b: ServeInstance;

  const instance = (): Promise<ServeInstance> =>
    started.track(
      startServe(['--endpoint', service.endpoint, '--redis', redis.url], { YQCLOUD_RX_TOKEN: token }),
      (s) => s.kill(),
    );
  const transport = (on: ServeInstance) => new DefaultChatTransport({ api: `${on.url}/api/chat`, headers: auth });

  before(async () => {
    redis = await started.track(startRedisServer(), (r) => r.stop());
    service = await started.track(startPacedService(30, 60), (s) => s.close());
    [a, b] = await Promise.all([instance(), instance()]);
  });
  after(() => started.stopAll());

  /** A chat sent to A whose page goes away after some words. */
  const droppedOnA = async (chatId: string): Promise<SpecChat> => {
    const chat = new SpecChat({ id: chatId, transport: transport(a) });
    const sending = chat.sendMessage({ text: 'Tell me the words' });
    await eventually(() => textOf(chat.messages[1]).split(' ').length > 3);
    await chat.stop();
    await sending;
    return chat;
  };

  it('a reply produced on A, the page gone, resumed on B: exactly the text of an unbroken reply', async () => {
    const first = await droppedOnA('cluster-chat-1');
    expect(textOf(first.messages[1]).length).to.be.within(1, service.text.length - 1);
    const reloaded = new SpecChat({
      id: 'cluster-chat-1',
      transport: transport(b),
      messages: [first.messages[0] as UIMessage],
    });
    await reloaded.resumeStream();
    expect(reloaded.status).to.equal('ready');
    expect(textOf(reloaded.messages[1])).to.equal(service.text);
    expect(reloaded.messages[1]?.id).to.equal(first.messages[1]?.id);
    expect(
      (reloaded.messages[1]?.metadata as { totalUsage?: { outputTokens: number } } | undefined)?.totalUsage
        ?.outputTokens,
    ).to.be.above(0);
    expect((await fetch(`${b.url}/api/chat/cluster-chat-1/stream`, { headers: auth })).status, 'ended').to.equal(204);
  });

  it('DELETE on B stops the reply produced on A: A’s request to the service closes', async () => {
    await droppedOnA('cluster-chat-2');
    const closed = service.socketClosed();
    const stop = await fetch(`${b.url}/api/chat/cluster-chat-2/stream`, { method: 'DELETE', headers: auth });
    expect(stop.status).to.equal(202);
    const outcome = await Promise.race([
      closed.then(() => 'closed'),
      new Promise((resolve) => setTimeout(resolve, 3000, 'deadline')),
    ]);
    expect(outcome, 'A closed its request to the service').to.equal('closed');
    // 202 is "stopping": once the stopped ending is written the chat has nothing in flight.
    const statuses: Array<number> = [];
    for (let i = 0; i < 50 && statuses.at(-1) !== 204; i++) {
      const answer = await fetch(`${b.url}/api/chat/cluster-chat-2/stream`, { headers: auth });
      statuses.push(answer.status);
      if (answer.status === 200) expect(await answer.text()).to.match(/"type":"abort"/);
      else await answer.body?.cancel();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(statuses.at(-1)).to.equal(204);
  });
});
